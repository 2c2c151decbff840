#!/usr/bin/env node
// `npm run demo`: installs dependencies when they are missing, builds the extension and the demo,
// then starts demo/run.ts (embedded PostgreSQL, a leaking workload, VS Code).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Ctrl+C reaches demo/run.js too (same process group); it stops everything and exits, then so do we.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) step('npm', ['ci', '--no-audit', '--no-fund']);
step(process.execPath, ['esbuild.mjs']);
step(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.tests.json']);
const r = spawnSync(process.execPath, ['out/demo/run.js'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 0);
