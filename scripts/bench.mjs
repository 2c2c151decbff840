// `npm run bench [-- --size small] [-- --only analysis,incremental,monitoring,extension]`: builds the
// bundles (dist/cli.js is what the analysis section times) and the benchmark (bench/ with the sources it
// imports, into out/), then runs out/bench/run.js. Not part of `npm test`: benchmarks are never pass/fail.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

if (run(process.execPath, ['esbuild.mjs']) !== 0) process.exit(1);
// Only the benchmark's own import graph is compiled, so unrelated work in progress elsewhere cannot stop it.
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const compiled = run(process.execPath, [tsc, '-p', path.join('bench', 'tsconfig.json')]);
if (compiled !== 0 && !existsSync(path.join(root, 'out', 'bench', 'run.js'))) process.exit(1);
process.exit(run(process.execPath, [path.join(root, 'out', 'bench', 'run.js'), ...process.argv.slice(2)]));
