#!/usr/bin/env node
// What `pg-health fix` would do to code we did not write: for every fetched repository of
// bench/wild/repos-*.tsv (at its pinned commit, extracted by run.mjs), apply every fix to a copy, then
// check the copy again. A fix must leave text that parses as well as before, no new double release or
// use after release, and nothing it offered to fix (issue 16, item 13). Prints one line per repository
// and the totals; lists each fixed file that breaks one of these.
//
//   node bench/wild/fixes.mjs [--repo owner/name] [--cli path/to/cli.js]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const cli = path.resolve(arg('--cli') ?? path.join(root, 'dist', 'cli.js'));
const onlyRepo = arg('--repo');
const mirror = process.env.WILD_MIRROR ?? '/work/.mirror';
const work = path.join(os.tmpdir(), 'pg-health-wild-src');

function repos() {
  return fs
    .readdirSync(here)
    .filter((f) => /^repos-.*\.tsv$/.test(f))
    .flatMap((f) => {
      const [head, ...rows] = fs.readFileSync(path.join(here, f), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
      const columns = head.split('\t');
      return rows.map((line) => Object.fromEntries(columns.map((c, i) => [c, (line.split('\t')[i] ?? '').trim()])));
    })
    .filter((r) => (!onlyRepo || r.repo === onlyRepo) && fs.existsSync(path.join(mirror, r.repo.replace('/', '+'), 'repo')));
}

function check(dir) {
  const run = spawnSync(process.execPath, [cli, 'check', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`check exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout).findings;
}

// Java and C#: the analyser's own tree-sitter grammars (out/, built by `npx tsc -p tsconfig.tests.json`).
const treeSitter = fs.existsSync(path.join(root, 'out', 'src', 'analysis', 'treeSitter.js')) ? createRequire(import.meta.url)(path.join(root, 'out', 'src', 'analysis', 'treeSitter.js')) : undefined;

/** Syntax errors only (no types): what a fix could break. */
async function parses(file) {
  const text = fs.readFileSync(file, 'utf8');
  const grammar = file.endsWith('.java') ? 'java' : file.endsWith('.cs') ? 'csharp' : undefined;
  if (grammar) {
    if (!treeSitter) throw new Error('out/ is missing: run `npx tsc -p tsconfig.tests.json` to check Java and C# fixes');
    const tree = await treeSitter.parseText(text, grammar);
    try {
      return tree !== undefined && !tree.rootNode.hasError;
    } finally {
      tree?.delete();
    }
  }
  if (file.endsWith('.py')) return spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', file]).status === 0;
  // gofmt -e reports every syntax error and exits non-zero (Debian's golang-go; `gofmt` on the PATH).
  if (file.endsWith('.go')) return spawnSync('gofmt', ['-e', '-l', file]).status === 0;
  const out = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve } });
  return (out.diagnostics ?? []).length === 0;
}

const count = (findings, rule, file) => findings.filter((f) => f.rule === rule && (!file || f.file === file)).length;

const totals = { repos: 0, fixes: 0, files: 0, fixable: 0, leftFixable: 0, newDouble: 0, newUseAfter: 0, broken: 0 };
const problems = [];
for (const r of repos()) {
  const extracted = spawnSync(process.execPath, [path.join(here, 'run.mjs'), '--repo', r.repo, '--cli', cli], { encoding: 'utf8' });
  const src = path.join(work, `${r.repo.replace('/', '+')}@${r.commit.slice(0, 12)}`);
  if (extracted.status !== 0 || !fs.existsSync(path.join(src, '.complete'))) {
    problems.push(`${r.repo}: not extracted`);
    continue;
  }
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-wild-fix-'));
  fs.cpSync(src, copy, { recursive: true });
  try {
    const before = check(copy);
    const fixable = before.filter((f) => f.fixable).length;
    const fix = spawnSync(process.execPath, [cli, 'fix', '.'], { cwd: copy, encoding: 'utf8', maxBuffer: 1 << 28 });
    const applied = (fix.stdout.match(/^\S.*:\d+ [a-z-]+: /gm) ?? []).length;
    const after = check(copy);
    const files = [...new Set(before.filter((f) => f.fixable).map((f) => f.file))];
    let broken = 0;
    for (const file of files) {
      const fixed = path.join(copy, file);
      const original = path.join(src, file);
      if (fs.readFileSync(fixed, 'utf8') === fs.readFileSync(original, 'utf8')) continue;
      totals.files++;
      if ((await parses(original)) && !(await parses(fixed))) {
        broken++;
        problems.push(`${r.repo} ${file}: the fixed text does not parse`);
      }
      for (const rule of ['double-release', 'use-after-release']) {
        if (count(after, rule, file) > count(before, rule, file)) problems.push(`${r.repo} ${file}: ${count(after, rule, file) - count(before, rule, file)} new ${rule} after the fix`);
      }
    }
    const newDouble = Math.max(0, count(after, 'double-release') - count(before, 'double-release'));
    const newUseAfter = Math.max(0, count(after, 'use-after-release') - count(before, 'use-after-release'));
    const leftFixable = after.filter((f) => f.fixable).length;
    Object.assign(totals, {
      repos: totals.repos + 1,
      fixes: totals.fixes + Number(applied),
      fixable: totals.fixable + fixable,
      leftFixable: totals.leftFixable + leftFixable,
      newDouble: totals.newDouble + newDouble,
      newUseAfter: totals.newUseAfter + newUseAfter,
      broken: totals.broken + broken,
    });
    console.log(`${r.repo}: ${before.length} findings, ${fixable} fixable; fix applied ${applied}; after: ${after.length} findings, ${leftFixable} fixable, +${newDouble} double-release, +${newUseAfter} use-after-release, ${broken} files that no longer parse`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
console.log(`\n${totals.repos} repositories: ${totals.fixable} findings offered a fix, ${totals.fixes} fixes applied in ${totals.files} files; after: ${totals.leftFixable} still fixable, ${totals.newDouble} new double-release, ${totals.newUseAfter} new use-after-release, ${totals.broken} files that no longer parse`);
for (const p of problems) console.log(`  ${p}`);
