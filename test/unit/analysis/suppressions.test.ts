// Silencing one finding in source, and skipping code no person wrote (minified, bundled, compiled):
// the analyser marks, the CLI reports (text, JSON, SARIF) and exits as a CI job needs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText, analyzeWorkspace } from '../../../src/analysis/analyzer';
import { markSuppressed, suppressionsIn } from '../../../src/analysis/suppressions';
import { machineWritten } from '../../../src/analysis/workspace';
import type { JsonReport } from '../../../src/cli/checkReport';
import { sarifSchemaErrors } from '../../support/sarifSchema';
import { runCli } from './cliRunner';


const LEAK_JS = (directive = ''): string =>
  `async function f(pool) {\n${directive}  const client = await pool.connect();\n  await client.query('SELECT 1');\n  client.release();\n}\n`;
const LEAK_PY = (directive = '', trailing = ''): string =>
  `def f(pool):\n${directive}    conn = pool.getconn()${trailing}\n    conn.cursor().execute('SELECT 1')\n    pool.putconn(conn)\n`;


describe('suppression comments', () => {
  it('reads the JavaScript and Python directives, with and without rules', () => {
    const js = suppressionsIn(
      ['// pg-health-disable-next-line release-not-guaranteed -- checked by hand', 'a();', 'b(); // pg-health-disable-line', '/* pg-health-disable-next-line unreleased-client, double-release */', 'c();'].join('\n'),
      'js',
    );
    assert.deepEqual([...js.keys()], [1, 2, 4]);
    assert.deepEqual([...(js.get(1) as Set<string>)], ['release-not-guaranteed']);
    assert.equal(js.get(2), 'all');
    assert.deepEqual([...(js.get(4) as Set<string>)].sort(), ['double-release', 'unreleased-client']);
    const py = suppressionsIn(['x = 1  # pg-health: disable=release-not-guaranteed', '    # pg-health: disable', 'y = 2'].join('\n'), 'py');
    assert.deepEqual([...(py.get(0) as Set<string>)], ['release-not-guaranteed'], 'trailing: its own line');
    assert.equal(py.get(2), 'all', 'alone on a line: the next line');
    assert.equal(suppressionsIn('no directives here', 'js').size, 0);
  });

  it('marks only findings of the named rule on that line', () => {
    const finding = (rule: 'release-not-guaranteed' | 'double-release', line: number) => ({
      rule,
      severity: 'warning' as const,
      message: '',
      range: { startLine: line, startColumn: 0, endLine: line, endColumn: 1 },
      related: [],
      fixable: false,
    });
    const marked = markSuppressed([finding('release-not-guaranteed', 1), finding('double-release', 1), finding('release-not-guaranteed', 2)], suppressionsIn('// pg-health-disable-next-line release-not-guaranteed\n', 'js'));
    assert.deepEqual(marked.map((f) => f.suppressed === true), [true, false, false]);
  });

  it('silences real findings in JavaScript and Python, and only with a matching rule', async () => {
    const [plain] = await analyzeText(LEAK_JS(), 'javascript');
    assert.equal(plain?.rule, 'release-not-guaranteed');
    assert.equal(plain?.suppressed, undefined);
    const [silenced] = await analyzeText(LEAK_JS('  // pg-health-disable-next-line release-not-guaranteed\n'), 'javascript');
    assert.equal(silenced?.suppressed, true);
    const [other] = await analyzeText(LEAK_JS('  // pg-health-disable-next-line double-release\n'), 'javascript');
    assert.equal(other?.suppressed, undefined, 'another rule named: still reported');
    const [py] = await analyzeText(LEAK_PY('', '  # pg-health: disable=release-not-guaranteed'), 'python');
    assert.equal(py?.suppressed, true);
    const [pyAbove] = await analyzeText(LEAK_PY('    # pg-health: disable\n'), 'python');
    assert.equal(pyAbove?.suppressed, true);
  });
});

describe('code no person wrote is skipped', () => {
  const js = (p: string, text: string) => machineWritten({ path: p, text, language: 'javascript' });

  it('recognises minified files by name and by line length, bundles and compiled output by their marks', () => {
    assert.equal(js('public/js/vendor.min.js', LEAK_JS()), 'minified');
    assert.equal(js('static/app.bundle.js', LEAK_JS()), 'minified');
    assert.equal(js('public/js/vendor.js', `${'var a=1;'.repeat(400)}\n`), 'minified', 'one line of 3,200 characters');
    assert.equal(js('lib/db.js', `${LEAK_JS()}//# sourceMappingURL=db.js.map\n`), 'generated');
    assert.equal(js('lib/db.js', `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n${LEAK_JS()}`), 'generated');
    assert.equal(js('out/main.js', `/******/ (() => { // webpackBootstrap\n${LEAK_JS()}`), 'generated');
    assert.equal(js('src/db.js', LEAK_JS()), undefined);
    assert.equal(js('src/sql.js', `const q = '${'x'.repeat(1500)}';\n${LEAK_JS()}`), undefined, 'one long string is not minification');
    assert.equal(machineWritten({ path: 'x.min.py', text: LEAK_PY(), language: 'python' }), undefined);
  });

  it('analyzeWorkspace reports them as skipped, without findings', async () => {
    const results = await analyzeWorkspace([
      { path: 'public/js/vendor.min.js', text: LEAK_JS(), language: 'javascript' },
      { path: 'src/db.js', text: LEAK_JS(), language: 'javascript' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.skipped ?? 'analysed', r.findings.length]),
      [
        ['minified', 0],
        ['analysed', 1],
      ],
    );
  });
});

describe('pg-health check: skipped and suppressed findings', function () {
  this.timeout(60_000);
  let project: string;

  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-suppress-'));
    const write = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      fs.writeFileSync(path.join(project, rel), text);
    };
    write('src/silenced.js', LEAK_JS('  // pg-health-disable-next-line release-not-guaranteed -- reviewed\n'));
    write('src/silenced.py', LEAK_PY('', '  # pg-health: disable=release-not-guaranteed'));
    write('public/js/vendor.min.js', LEAK_JS());
    write('public/js/app.js', `${'var a=1;'.repeat(400)}\n${LEAK_JS()}`);
    write('lib/compiled.js', `${LEAK_JS()}//# sourceMappingURL=compiled.js.map\n`);
  });

  after(() => fs.rmSync(project, { recursive: true, force: true }));

  it('exits 0 when every finding is suppressed, and says what it skipped and why', async () => {
    const text = await runCli(['check', '.'], project);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^0 findings, 2 files scanned, 3 skipped \(2 minified, 1 generated by a bundler or compiler\), 2 suppressed by pg-health-disable comments$/m);
    const json = JSON.parse((await runCli(['check', '.', '--format', 'json'], project)).stdout) as JsonReport;
    assert.deepEqual({ findings: json.findings.length, filesScanned: json.filesScanned, skipped: json.skipped, suppressed: json.suppressed }, {
      findings: 0,
      filesScanned: 2,
      skipped: { minified: 2, generated: 1 },
      suppressed: 2,
    });
  });

  it('reports suppressed findings in SARIF as suppressed in source', async () => {
    const sarif = JSON.parse((await runCli(['check', '.', '--format', 'sarif'], project)).stdout) as {
      runs: { results: { ruleId: string; suppressions?: { kind: string }[]; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    assert.equal(sarifSchemaErrors(sarif), '', 'valid against the SARIF 2.1.0 schema');
    const results = sarif.runs[0]?.results ?? [];
    assert.deepEqual(results.map((r) => [r.locations[0]?.physicalLocation.artifactLocation.uri, r.ruleId, r.suppressions]).sort(), [
      ['src/silenced.js', 'release-not-guaranteed', [{ kind: 'inSource' }]],
      ['src/silenced.py', 'release-not-guaranteed', [{ kind: 'inSource' }]],
    ]);
  });
});
