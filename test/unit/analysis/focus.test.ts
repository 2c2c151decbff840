// Lowering with a focus (src/analysis/lowering/focus.ts): functions that name no API and that no
// enclosing function reads are left unlowered, and a file is lowered again when a learned name calls
// for it. Whatever is left out, the findings must be those of lowering everything.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeWorkspace, languageForPath, type FileResult, type SourceFile } from '../../../src/analysis/analyzer';
import { FunctionFocus } from '../../../src/analysis/lowering/focus';
import { lowerPython } from '../../../src/analysis/lowering/python';
import { parseText } from '../../../src/analysis/treeSitter';
import { modellerInTurn, TreeCache, type FileModeller } from '../../../src/analysis/workspace';
import { corpusDir } from './corpus';

/** Lowers every function of every file it is given, whatever names the analyser says matter. */
const everything: FileModeller = (files) => modellerInTurn()(files);

/** The default modeller, counting how often each file is lowered. */
function counting(): { modeller: FileModeller; lowered: Map<string, number>; cache: TreeCache } {
  const cache = new TreeCache();
  const inner = modellerInTurn(cache);
  const lowered = new Map<string, number>();
  return {
    cache,
    lowered,
    modeller: (files, names) => {
      for (const f of files) lowered.set(f.path, (lowered.get(f.path) ?? 0) + 1);
      return inner(files, names);
    },
  };
}

function summary(results: FileResult[]): unknown[] {
  return results.map((r) => ({ path: r.path, skipped: r.skipped, findings: r.findings.map((f) => [f.rule, f.range, f.message, f.fixable]) }));
}

function read(file: string): SourceFile {
  return { path: file, text: fs.readFileSync(file, 'utf8'), language: languageForPath(file) ?? 'python' };
}

describe('lowering with a focus', () => {
  it('leaves out a function that names no API, and keeps the nested functions of one whose own body does', async () => {
    const text = [
      'def helper(a):',
      '    return a + 1',
      '',
      'def uses(pool):',
      '    conn = pool.getconn()',
      '    def inner():',
      '        return 2',
      '    return conn',
      '',
    ].join('\n');
    const tree = await parseText(text, 'python');
    assert.ok(tree);
    try {
      const all = lowerPython(tree.rootNode);
      const focused = lowerPython(tree.rootNode, new FunctionFocus(tree.rootNode, text, { acquire: ['getconn'], other: ['putconn'] }, 'py'));
      assert.deepEqual(
        all.functions.map((f) => f.name),
        ['helper', 'inner', 'uses', undefined],
      );
      assert.deepEqual(
        focused.functions.map((f) => f.name),
        ['inner', 'uses', undefined],
      );
      assert.equal(all.unlowered, undefined);
      assert.deepEqual(focused.unlowered, [[0, text.indexOf('\n\ndef uses')]]);
    } finally {
      tree.delete();
    }
  });

  it('a name in a comment or a string does not keep a function', async () => {
    const text = 'def f(a):\n    """putconn is documented here"""\n    return a  # putconn\n';
    const tree = await parseText(text, 'python');
    assert.ok(tree);
    try {
      const focused = lowerPython(tree.rootNode, new FunctionFocus(tree.rootNode, text, { acquire: ['getconn'], other: ['putconn'] }, 'py'));
      assert.deepEqual(
        focused.functions.map((f) => f.name),
        [undefined],
      );
    } finally {
      tree.delete();
    }
  });

  it('a closure that releases through a callback handle it does not name is still lowered', async () => {
    const text = [
      'function f(pool) {',
      '  pool.connect((err, client, done) => {',
      '    const finish = () => { done(); };',
      "    client.query('SELECT 1', finish);",
      '  });',
      '}',
      'function g(pool) {',
      '  pool.connect((err, client, done) => {',
      '    const finish = () => { log(); };',
      "    client.query('SELECT 1', finish);",
      '  });',
      '}',
      '',
    ].join('\n');
    const files: SourceFile[] = [{ path: 'handles.js', text, language: 'javascript' }];
    const focused = await analyzeWorkspace(files);
    assert.deepEqual(summary(focused), summary(await analyzeWorkspace(files, {}, everything)));
    // g never releases; f does, in the closure.
    assert.deepEqual(
      focused[0]?.findings.map((f) => f.range.startLine),
      [7],
    );
  });

  it('a helper that calls a helper learned in an earlier round is lowered again and summarised', async () => {
    const lib = [
      'def cleanup(pool, c):',
      '    pool.putconn(c)',
      '',
      'def finish(pool, c):',
      '    cleanup(pool, c)',
      '',
      'def unrelated(pool, c):',
      '    return c',
      '',
    ].join('\n');
    const app = [
      'def work(pool):',
      '    conn = pool.getconn()',
      '    finish(pool, conn)',
      '',
      'def leaks(pool):',
      '    conn = pool.getconn()',
      '    unrelated(pool, conn)',
      '',
    ].join('\n');
    const files: SourceFile[] = [
      { path: 'lib.py', text: lib, language: 'python' },
      { path: 'app.py', text: app, language: 'python' },
    ];
    const { modeller, lowered, cache } = counting();
    let focused;
    try {
      focused = await analyzeWorkspace(files, {}, modeller);
    } finally {
      cache.clear();
    }
    assert.deepEqual(summary(focused), summary(await analyzeWorkspace(files, {}, everything)));
    // `finish` names no API until `cleanup` is learned: lib.py is lowered twice, app.py once.
    assert.deepEqual(Object.fromEntries(lowered), { 'lib.py': 2, 'app.py': 1 });
    assert.deepEqual(
      focused[1]?.findings.map((f) => [f.rule, f.range.startLine]),
      [['unreleased-client', 5]],
    );
  });

  it('finds what lowering everything finds on the fixture corpus and a sample of the Python standard library', async function () {
    this.timeout(300_000);
    const fixtures = ['js', 'ts', 'py'].flatMap((dir) => fs.readdirSync(path.join(corpusDir, dir)).map((f) => read(path.join(corpusDir, dir, f))));
    const stdlib = fs.readdirSync('/usr/lib').find((d) => /^python3\.\d+$/.test(d));
    assert.ok(stdlib, 'a Python 3 standard library under /usr/lib');
    // Modules that close, release or acquire things, so helper summaries chain through them.
    const sample = fs
      .readdirSync(path.join('/usr/lib', stdlib))
      .filter((f) => f.endsWith('.py'))
      .sort()
      .map((f) => read(path.join('/usr/lib', stdlib, f)))
      .filter((f) => /\b(close|release|acquire)\b/.test(f.text))
      .slice(0, 60);
    const files = [...fixtures, ...sample];
    const { modeller, lowered, cache } = counting();
    let focused;
    try {
      focused = await analyzeWorkspace(files, {}, modeller);
    } finally {
      cache.clear();
    }
    const all = await analyzeWorkspace(files, {}, everything);
    assert.deepEqual(summary(focused), summary(all));
    assert.ok(
      focused.some((r) => r.findings.length > 0),
      'the fixtures have findings',
    );
    assert.ok(
      sample.filter((f) => lowered.has(f.path)).length >= 20,
      'the sample is read for helper summaries',
    );
  });
});
