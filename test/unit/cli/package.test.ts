// The CLI as a CI job gets it: `npm pack` of this repository, installed into a clean folder, run the
// way docs/ci/pg-health.yml runs it, its SARIF what GitHub's upload step takes.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { fixturesDir, repoRoot } from '../../support/paths';
import { sarifSchemaErrors } from '../../support/sarifSchema';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

describe('pg-health for CI: npm pack, a clean install and the GitHub Actions example', function () {
  this.timeout(240_000);
  let work = '';
  let tarball = '';
  const workflow = yaml.load(fs.readFileSync(path.join(repoRoot, 'docs', 'ci', 'pg-health.yml'), 'utf8')) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);

  before(function () {
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: npm run build first');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-pack-'));
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' });
    const [info] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(info);
    tarball = info.filename;
    const files = info.files.map((f) => f.path).sort();
    assert.ok(files.includes('dist/cli.js') && files.some((f) => f.startsWith('dist/wasm/')), `packed: ${files.join(', ')}`);
    assert.ok(!files.some((f) => /^(src|test|bench|node_modules)\//.test(f)), `nothing but what the CLI needs: ${files.join(', ')}`);
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('is a workflow that checks out, sets up Node 20, runs pg-health to SARIF and uploads that file to code scanning', () => {
    assert.ok('push' in workflow.on && 'pull_request' in workflow.on, 'runs on pushes and pull requests');
    assert.equal(workflow.permissions['security-events'], 'write', 'may upload to code scanning');
    assert.match(steps[0]?.uses ?? '', /^actions\/checkout@v\d+$/);
    const node = steps.find((s) => /^actions\/setup-node@v\d+$/.test(s.uses ?? ''));
    assert.equal(node?.with?.['node-version'], 20);
    const install = steps.find((s) => /npm install/.test(s.run ?? ''));
    assert.ok(install?.run?.includes(`./tools/${tarball}`), `installs the tarball npm pack makes (${tarball}): ${install?.run}`);
    const check = steps.find((s) => /pg-health check/.test(s.run ?? ''));
    const output = /--output (\S+)/.exec(check?.run ?? '')?.[1];
    assert.match(check?.run ?? '', /--format sarif/);
    const upload = steps.find((s) => /^github\/codeql-action\/upload-sarif@v\d+$/.test(s.uses ?? ''));
    assert.equal(upload?.with?.['sarif_file'], output, 'uploads the file the check wrote');
  });

  it('installs into a clean folder and runs there as the workflow runs it, writing SARIF 2.1.0 with the leak', () => {
    const project = path.join(work, 'app');
    fs.mkdirSync(path.join(project, 'tools'), { recursive: true });
    fs.copyFileSync(path.join(work, tarball), path.join(project, 'tools', tarball));
    fs.copyFileSync(path.join(fixturesDir, 'quickfix', 'quickfix-demo.js'), path.join(project, 'orders.js'));
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const env = { ...process.env, npm_config_prefer_offline: 'true' };
    const shell = (command: string): { status: number | null; out: string } => {
      const r = spawnSync('bash', ['-c', command], { cwd: project, encoding: 'utf8', env });
      return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
    };
    for (const step of steps) {
      if (!step.run) continue;
      const r = shell(step.run);
      assert.equal(r.status, 0, `${step.run}\n${r.out}`);
    }
    const sarif = JSON.parse(fs.readFileSync(path.join(project, 'pg-health.sarif'), 'utf8'));
    assert.equal(sarifSchemaErrors(sarif), '', 'what the workflow uploads is valid against the SARIF 2.1.0 schema');
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-(schema-)?2\.1\.0/);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'pg-health');
    assert.ok(run.results.length >= 1, 'the leak is reported');
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    for (const result of run.results) {
      assert.ok(ids.includes(result.ruleId), `${result.ruleId} is a declared rule`);
      const location = result.locations[0].physicalLocation;
      assert.equal(location.artifactLocation.uri, 'orders.js', 'paths relative to the checkout, as code scanning maps them');
      assert.ok(location.region.startLine >= 1);
    }
    // The packed CLI itself needs nothing from this repository.
    assert.ok(fs.realpathSync(path.join(project, 'node_modules', '.bin', 'pg-health')).startsWith(fs.realpathSync(project)));
  });
});
