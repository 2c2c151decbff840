#!/usr/bin/env node
// `npm test`: build, static checks, then the three suites in order — unit (mocha on Node),
// integration (mocha inside a real VS Code extension host) and end-to-end (the real VS Code UI in
// chromium). Every suite runs even when an earlier one failed; the run ends with one line totalling
// them all: "N passed, N failed" (", N skipped" when any were skipped). Exit 1 when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'test-results');
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
mkdirSync(results, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];

function run(cmd, args, env = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { status: r.status ?? 1, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** A check without a test runner (build, type check, lint) counts as one test. */
function check(name, cmd, args) {
  console.log(`\n── ${name} ──`);
  const { status, seconds } = run(cmd, args);
  if (status === 0) totals.passed++;
  else totals.failed++;
  summary.push(`${name}: ${status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`);
  return status === 0;
}

function suite(name, cmd, args) {
  if (only.length > 0 && !only.includes(name)) return;
  console.log(`\n── ${name} tests ──`);
  const file = path.join(results, `${name}.json`);
  rmSync(file, { force: true });
  const { status, seconds } = run(cmd, args, { PG_HEALTH_RESULTS: file });
  let counts;
  if (existsSync(file)) {
    try {
      counts = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      counts = undefined;
    }
  }
  if (!counts) {
    // The suite died before it could report: that is a failure, never a silent pass.
    counts = { passed: 0, failed: 1, skipped: 0 };
  } else if (status !== 0 && counts.failed === 0) {
    counts.failed = 1;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  summary.push(`${name}: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''} (${seconds} s)`);
}

const npx = (bin) => path.join(root, 'node_modules', '.bin', bin);

const built =
  check('build', process.execPath, ['esbuild.mjs']) &&
  check('compile tests', npx('tsc'), ['-p', 'tsconfig.tests.json']);
if (only.length === 0) {
  check('type check (webview)', npx('tsc'), ['--noEmit', '-p', 'webview/tsconfig.json']);
  check('lint', npx('eslint'), ['src', 'webview', 'test', 'scripts']);
}
if (built) {
  // Two workers: the analysis suites keep a core busy while the server-backed ones wait on PostgreSQL
  // (743 tests: 365 s instead of 524 s on 2 cores). Each test starts its own servers on free ports.
  suite('unit', npx('mocha'), ['--config', 'test/unit/.mocharc.json', '--parallel', '--jobs', '2']);
  suite('reliability', npx('mocha'), ['--config', 'test/reliability/.mocharc.json']);
  suite('integration', process.execPath, ['out/test/integration/launch.js']);
  suite('e2e', npx('mocha'), ['--config', 'test/e2e/.mocharc.json']);
}

console.log('\n' + summary.map((s) => `  ${s}`).join('\n'));
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 ? 1 : 0;
