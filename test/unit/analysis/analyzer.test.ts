// The analyser's public API: messages that name the leaking path, positions, settings, summaries
// across files, and bad input that must neither crash nor produce findings.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText, analyzeWorkspace, languageForPath, RULES, ruleDocPath, ruleDocUrl } from '../../../src/analysis/analyzer';
import { repoRoot } from '../../support/paths';

describe('analyzeText', () => {
  it('a throw between acquire and release is reported at the acquire, naming both lines', async () => {
    const text = [
      'async function f(pool) {',
      '  const client = await pool.connect();',
      "  const { rows } = await client.query('SELECT 1');",
      '  client.release();',
      '  return rows;',
      '}',
    ].join('\n');
    const [finding, ...rest] = await analyzeText(text, 'javascript');
    assert.equal(rest.length, 0);
    assert.ok(finding);
    assert.equal(finding.rule, 'release-not-guaranteed');
    assert.equal(finding.severity, 'warning');
    assert.deepEqual(finding.range, { startLine: 1, startColumn: 23, endLine: 1, endColumn: 37 });
    assert.match(finding.message, /a throw from `client\.query` on line 3 skips the release on line 4/);
    assert.deepEqual(
      finding.related.map((r) => [r.range.startLine, r.message]),
      [
        [2, 'may throw here'],
        [3, 'the release this path skips'],
      ],
    );
    assert.equal(finding.resource?.variable, 'client');
    assert.equal(finding.resource?.api, 'pg.pool.connect');
  });

  it('an early return is named before a throwing call', async () => {
    const text = [
      'async function f(pool) {',
      '  const client = await pool.connect();',
      "  const { rows } = await client.query('SELECT 1');",
      '  if (!rows.length) return null;',
      '  client.release();',
      '  return rows;',
      '}',
    ].join('\n');
    const [finding] = await analyzeText(text, 'javascript');
    assert.match(finding?.message ?? '', /the `return` on line 4 skips the release on line 5\. A throw from `client\.query` on line 3 skips it too\./);
  });

  it('columns count UTF-16 code units, like VS Code', async () => {
    const text = "async function f(pool) { const s = '😀é'; const c = await pool.connect(); return 1; }";
    const [finding] = await analyzeText(text, 'typescript');
    assert.equal(finding?.rule, 'unreleased-client');
    assert.equal(finding?.range.startColumn, text.indexOf('pool.connect()'));
  });

  it('a release in finally is silent in every dialect', async () => {
    const js = 'async function f(pool) { const c = await pool.connect(); try { await c.query("x"); } finally { c.release(); } }';
    for (const language of ['javascript', 'javascriptreact', 'typescript', 'typescriptreact'] as const) {
      assert.deepEqual(await analyzeText(js, language), [], language);
    }
    const py = 'def f(pool):\n    conn = pool.getconn()\n    try:\n        conn.cursor().execute("x")\n    finally:\n        pool.putconn(conn)\n';
    assert.deepEqual(await analyzeText(py, 'python'), []);
  });

  it('TSX with JSX around the code still parses and reports', async () => {
    const text = 'export async function load(pool: Pool) { const c = await pool.connect(); await c.query("x"); c.release(); return <div>{1}</div>; }';
    const findings = await analyzeText(text, 'typescriptreact');
    assert.deepEqual(findings.map((f) => f.rule), ['release-not-guaranteed']);
  });

  it('settings add acquire and release APIs (pgHealth.analysis.acquire / release)', async () => {
    const text = 'def f(db):\n    conn = db.checkout()\n    conn.cursor().execute("x")\n    db.checkin(conn)\n';
    assert.deepEqual(await analyzeText(text, 'python'), []);
    const withAcquire = await analyzeText(text, 'python', { acquire: [{ language: 'python', call: 'db.checkout' }] });
    assert.deepEqual(withAcquire.map((f) => f.rule), ['unreleased-client']);
    const withBoth = await analyzeText(text, 'python', {
      acquire: [{ language: 'python', call: 'db.checkout' }],
      release: [{ language: 'python', call: 'db.checkin', argument: 0 }],
    });
    assert.deepEqual(withBoth.map((f) => f.rule), ['release-not-guaranteed']);
    assert.match(withBoth[0]?.message ?? '', /a throw from `conn\.cursor\(\)\.execute` on line 3 skips the release on line 4/);
  });

  it('a pool bound with new Pool() under another name is still a pool', async () => {
    const text = "const db = new Pool();\nasync function f() { const c = await db.connect(); await c.query('x'); }";
    assert.deepEqual((await analyzeText(text, 'javascript')).map((f) => f.rule), ['unreleased-client']);
  });
});

describe('bad input', () => {
  it('text that does not parse yields no findings', async () => {
    const broken = 'async function f(pool) {\n  const client = await pool.connect(\n  if (x { client.query(\n';
    assert.deepEqual(await analyzeText(broken, 'javascript'), []);
    assert.deepEqual(await analyzeText('def f(pool:\n    conn = pool.getconn(\n', 'python'), []);
  });

  it('a syntax error in one function leaves the other functions analysed', async () => {
    const text = 'async function ok(pool) { const c = await pool.connect(); }\nfunction broken( { pool.connect(\n';
    const findings = await analyzeText(text, 'javascript');
    assert.deepEqual(findings.map((f) => [f.rule, f.range.startLine]), [['unreleased-client', 0]]);
  });

  it('binary and huge files are skipped without findings', async () => {
    const leaky = 'async function f(pool) { const c = await pool.connect(); }\n';
    const [binary] = await analyzeWorkspace([{ path: 'x.js', text: `${leaky}\u0000\u0001\u0002`, language: 'javascript' }]);
    assert.equal(binary?.skipped, 'binary');
    assert.deepEqual(binary?.findings, []);
    const [huge] = await analyzeWorkspace([{ path: 'y.js', text: leaky.repeat(40_000), language: 'javascript' }]);
    assert.equal(huge?.skipped, 'too-large');
  });

  it('deeply nested input does not blow the stack', async () => {
    const depth = 5000;
    // One bracket a line: a single line this long would be skipped as minified before any parse.
    const arrays = `async function f(pool) { const c = await pool.connect(); x = ${'[\n'.repeat(depth)}1${']\n'.repeat(depth)}; }`;
    const [result] = await analyzeWorkspace([{ path: 'deep.js', text: arrays, language: 'javascript' }]);
    assert.equal(result?.skipped, 'too-deep');
    assert.deepEqual(result?.findings, []);
    // Parentheses are unwrapped in a loop, so this much nesting is still analysed.
    const parens = `async function f(pool) { const c = await pool.connect(); x = ${'(\n'.repeat(depth)}1${')\n'.repeat(depth)}; }`;
    assert.deepEqual((await analyzeText(parens, 'javascript')).map((f) => f.rule), ['unreleased-client']);
    const blocks = `def f(pool):\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(4 * (i + 1))}if x:\n`).join('')}${' '.repeat(1204)}pool.getconn()\n`;
    const [py] = await analyzeWorkspace([{ path: 'deep.py', text: blocks, language: 'python' }]);
    assert.ok(py && py.findings.length === 0);
  });

  it('random bytes and odd text never throw', async () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 30; i++) {
      const text = Array.from({ length: 400 }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
      await analyzeText(text, i % 2 ? 'python' : 'typescript');
    }
  });
});

describe('summaries across files', () => {
  it('a function returning an acquired client is an acquire API in another file; one releasing a parameter is a release API', async () => {
    const db = {
      path: 'db.ts',
      language: 'typescript' as const,
      text: [
        "import { Pool, PoolClient } from 'pg';",
        'export const pool = new Pool();',
        'export async function getClient(): Promise<PoolClient> { return pool.connect(); }',
        'export function giveBack(client: PoolClient): void { client.release(); }',
      ].join('\n'),
    };
    const users = {
      path: 'users.ts',
      language: 'typescript' as const,
      text: [
        "import { getClient, giveBack } from './db';",
        'export async function leaky() { const c = await getClient(); await c.query("x"); giveBack(c); }',
        'export async function safe() { const c = await getClient(); try { await c.query("x"); } finally { giveBack(c); } }',
        'export async function never() { const c = await getClient(); await c.query("x"); }',
      ].join('\n'),
    };
    const [dbResult, usersResult] = await analyzeWorkspace([db, users]);
    assert.deepEqual(dbResult?.findings, []);
    assert.deepEqual(
      usersResult?.findings.map((f) => [f.range.startLine, f.rule]),
      [
        [1, 'release-not-guaranteed'],
        [3, 'unreleased-client'],
      ],
    );
    assert.match(usersResult?.findings[0]?.message ?? '', /`c` from `getClient\(\)` on line 2/);
    // On its own the users file knows neither API.
    const [alone] = await analyzeWorkspace([users]);
    assert.deepEqual(alone?.findings, []);
    // What db.ts teaches is reported with it, and given to users.ts alone gives the findings of the two together.
    assert.deepEqual(
      [dbResult?.teaches?.acquires.map((api) => api.method), dbResult?.teaches?.releases.map((spec) => spec.method)],
      [['getClient'], ['giveBack']],
    );
    assert.equal(usersResult?.teaches, undefined);
    const [given] = await analyzeWorkspace([users], { summaries: { js: dbResult?.teaches } });
    assert.deepEqual(given?.findings, usersResult?.findings);
    // Summaries are per language family: a Python file does not learn JavaScript's helpers.
    const py = { path: 'users.py', language: 'python' as const, text: 'def f():\n    c = getClient()\n    c.execute("x")\n' };
    assert.deepEqual((await analyzeWorkspace([py], { summaries: { js: dbResult?.teaches } }))[0]?.findings, []);
  });
});

describe('languages and rule documentation', () => {
  it('maps file names to VS Code language ids', () => {
    assert.equal(languageForPath('a/b.ts'), 'typescript');
    assert.equal(languageForPath('a/b.d.ts'), undefined);
    assert.equal(languageForPath('C:\\x\\y.TSX'), 'typescriptreact');
    assert.equal(languageForPath('x.mjs'), 'javascript');
    assert.equal(languageForPath('x.jsx'), 'javascriptreact');
    assert.equal(languageForPath('x.py'), 'python');
    assert.equal(languageForPath('Makefile'), undefined);
    assert.equal(languageForPath('dir.ts/readme'), undefined);
  });

  it('every rule has a page with the fixed headings, linked from findings', () => {
    for (const rule of RULES) {
      const page = fs.readFileSync(path.join(repoRoot, ruleDocPath(rule.id)), 'utf8');
      for (const heading of ['What it does', 'Why is this bad?', 'Example', 'Use instead', 'Fix safety', 'References']) {
        assert.ok(page.includes(`## ${heading}`), `${rule.id}.md lacks "## ${heading}"`);
      }
      assert.ok(ruleDocUrl(rule.id).endsWith(`docs/rules/${rule.id}.md`));
    }
  });
});
