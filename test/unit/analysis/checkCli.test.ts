// `pg-health check` as CI runs it: the compiled CLI in a child process over a small project with
// dependencies, build output and .gitignore-d files that must not be read.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RULES } from '../../../src/analysis/analyzer';
import type { JsonReport } from '../../../src/cli/checkReport';
import { sarifSchemaErrors } from '../../support/sarifSchema';
import { runCli } from './cliRunner';


const LEAKY = "async function f(pool) {\n  const client = await pool.connect();\n  await client.query('SELECT 1');\n  client.release();\n}\n";
const SAFE = "export async function g(pool: any) {\n  const c = await pool.connect();\n  try {\n    await c.query('x');\n  } finally {\n    c.release();\n  }\n}\n";


describe('pg-health check', function () {
  this.timeout(60_000);
  let project: string;

  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-check-'));
    const write = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      fs.writeFileSync(path.join(project, rel), text);
    };
    fs.mkdirSync(path.join(project, '.git'));
    write('.gitignore', 'generated/\n*.tmp.js\n!keep.tmp.js\n');
    write('src/leaky.js', LEAKY);
    write('src/safe.ts', SAFE);
    write('src/keep.tmp.js', SAFE.replace(': any', ''));
    write('src/scratch.tmp.js', LEAKY);
    write('generated/client.js', LEAKY);
    write('node_modules/some-driver/index.js', LEAKY);
    write('dist/bundle.js', LEAKY);
    write('README.md', '# not code\n');
  });

  after(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('prints compiler-style lines for each finding and exits 1', async () => {
    const { code, stdout, stderr } = await runCli(['check', 'src'], project);
    assert.equal(code, 1);
    const lines = stdout.split('\n').filter((l) => l && !l.startsWith(' '));
    assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), [`${path.join('src', 'leaky.js')}:2:24 release-not-guaranteed`]);
    assert.match(stdout, /a throw from `client\.query` on line 3 skips the release on line 4/);
    assert.match(stderr, /1 finding in 1 file, 3 files scanned/);
  });

  it('skips node_modules, build output and what .gitignore ignores (negations included)', async () => {
    const { stdout } = await runCli(['check', '--format', 'json'], project);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.filesScanned, 3);
    assert.deepEqual(
      report.findings.map((f) => f.file),
      [path.join('src', 'leaky.js')],
    );
  });

  it('writes the JSON contract: 1-based positions, rule, severity, message, fixable', async () => {
    const { code, stdout } = await runCli(['check', 'src/leaky.js', '--format=json'], project);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as JsonReport;
    assert.equal(report.filesScanned, 1);
    assert.deepEqual(Object.keys(report.findings[0] ?? {}).sort(), ['column', 'endColumn', 'endLine', 'file', 'fixable', 'line', 'message', 'rule', 'severity']);
    const [finding] = report.findings;
    assert.deepEqual(
      { file: finding?.file, line: finding?.line, column: finding?.column, endLine: finding?.endLine, endColumn: finding?.endColumn, rule: finding?.rule, severity: finding?.severity },
      { file: 'src/leaky.js', line: 2, column: 24, endLine: 2, endColumn: 38, rule: 'release-not-guaranteed', severity: 'warning' },
    );
    assert.equal(finding?.fixable, true);
  });

  it('writes SARIF 2.1.0 with rules, help URIs, locations and related locations to --output', async () => {
    const output = path.join(project, 'report.sarif');
    const { code, stdout } = await runCli(['check', 'src', '--format', 'sarif', '--output', output], project);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const log = JSON.parse(fs.readFileSync(output, 'utf8'));
    assert.equal(sarifSchemaErrors(log), '', 'valid against the SARIF 2.1.0 schema');
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'pg-health');
    assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id), RULES.map((r) => r.id));
    for (const rule of run.tool.driver.rules) assert.match(rule.helpUri, /^https:\/\/.+\/docs\/rules\/[a-z-]+\.md$/);
    assert.equal(run.results.length, 1);
    const [result] = run.results;
    assert.equal(result.ruleId, 'release-not-guaranteed');
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
    assert.equal(result.level, 'warning');
    assert.deepEqual(result.locations[0].physicalLocation.artifactLocation.uri, 'src/leaky.js');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 2, startColumn: 24, endLine: 2, endColumn: 38 });
    assert.deepEqual(
      result.relatedLocations.map((r: { physicalLocation: { region: { startLine: number } } }) => r.physicalLocation.region.startLine),
      [3, 4],
    );
  });

  it('exits 0 when there is nothing to report', async () => {
    const { code, stdout } = await runCli(['check', 'src/safe.ts'], project);
    assert.equal(code, 0);
    assert.equal(stdout, '');
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['check', '--format', 'xml'], ['check', '--bogus'], ['check', 'missing-folder'], ['check', '--output'], ['frobnicate']]) {
      const { code, stderr } = await runCli(args, project);
      assert.equal(code, 2, args.join(' '));
      assert.ok(stderr.length > 0, args.join(' '));
    }
  });
});

describe('pg-health fix', function () {
  this.timeout(60_000);
  let project: string;

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-fix-'));
    fs.mkdirSync(path.join(project, 'src'));
    fs.writeFileSync(path.join(project, 'src', 'leaky.js'), LEAKY);
    fs.writeFileSync(path.join(project, 'src', 'safe.ts'), SAFE);
  });

  afterEach(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  const fixed = "async function f(pool) {\n  const client = await pool.connect();\n  try {\n    await client.query('SELECT 1');\n  } finally {\n    client.release();\n  }\n}\n";

  it('rewrites the file in place, says what it changed, and the check is clean afterwards', async () => {
    const { code, stdout } = await runCli(['fix', 'src'], project);
    assert.equal(code, 0);
    assert.equal(stdout, `${path.join('src', 'leaky.js')}:2 release-not-guaranteed: Wrap in try/finally (release \`client\` in finally)\n`);
    assert.equal(fs.readFileSync(path.join(project, 'src', 'leaky.js'), 'utf8'), fixed);
    assert.equal(fs.readFileSync(path.join(project, 'src', 'safe.ts'), 'utf8'), SAFE);
    assert.equal((await runCli(['check', 'src'], project)).code, 0);
    // Fixing again changes nothing.
    assert.equal((await runCli(['fix', 'src'], project)).stdout, '');
  });

  it('--dry-run prints a unified diff that applies to the same result, and writes nothing', async () => {
    const { code, stdout } = await runCli(['fix', '--dry-run', 'src'], project);
    assert.equal(code, 0);
    assert.equal(fs.readFileSync(path.join(project, 'src', 'leaky.js'), 'utf8'), LEAKY);
    assert.match(stdout, /^--- a\/src\/leaky\.js\n\+\+\+ b\/src\/leaky\.js\n@@ -1,5 \+1,8 @@\n/);
    fs.writeFileSync(path.join(project, 'fix.diff'), stdout);
    await new Promise<void>((resolve, reject) =>
      execFile('git', ['apply', 'fix.diff'], { cwd: project }, (error) => (error ? reject(error) : resolve())),
    );
    assert.equal(fs.readFileSync(path.join(project, 'src', 'leaky.js'), 'utf8'), fixed);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await runCli(['fix', '--bogus'], project)).code, 2);
    assert.equal((await runCli(['fix', 'missing'], project)).code, 2);
  });
});
