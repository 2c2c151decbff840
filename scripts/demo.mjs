#!/usr/bin/env node
// `npm run demo`: installs dependencies when they are missing, builds the extension and the demo,
// then starts demo/run.ts (embedded PostgreSQL, a leaking workload, VS Code).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) step('npm', ['ci', '--no-audit', '--no-fund']);
step(process.execPath, ['esbuild.mjs']);
step(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.tests.json']);
const demo = spawn(process.execPath, ['out/demo/run.js'], { cwd: root, stdio: 'inherit' });
// Ctrl+C in a terminal reaches demo/run.js as well (same process group); a signal sent to this
// process alone is passed on. demo/run.js stops everything once, however many signals arrive.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => demo.kill(signal));
demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
