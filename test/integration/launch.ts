// Runs the integration suite (test/integration/**/*.test.ts) inside a real VS Code extension host:
// code-server from npm, opened by Debian's chromium with the `payload` URL that loads this
// repository as the extension under development and our test module as extensionTestsPath.
// With PG_HEALTH_TEST_ELECTRON=1 the same suite runs under @vscode/test-electron instead
// (desktop VS Code, where one can be downloaded).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SuiteCounts } from '../support/countingReporter';
import { fixturesDir, repoRoot, testResultsDir } from '../support/paths';
import { PgServer, startPostgres } from '../support/postgresServer';
import { launchBrowser, openWorkbench, screenshot, startVsCode, VsCodeServer } from '../support/vscodeServer';
import { Browser } from 'playwright-core';

const RESULTS = path.join(testResultsDir, 'integration.json');
const TIMEOUT_MS = 10 * 60 * 1000;

function prepareWorkspace(pg: PgServer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-ws-'));
  fs.cpSync(path.join(fixturesDir, 'workspace'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'pgHealth.connections': [
          { name: 'test-db', host: pg.host, port: pg.port, user: pg.user, database: pg.database },
          { name: 'closed-port', host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' },
        ],
        'pgHealth.refreshInterval': 1,
      },
      null,
      2,
    ),
  );
  return dir;
}

async function waitForResults(deadline: number): Promise<SuiteCounts | undefined> {
  while (Date.now() < deadline) {
    if (fs.existsSync(RESULTS)) {
      try {
        return JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as SuiteCounts;
      } catch {
        // being written
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

async function runInCodeServer(pg: PgServer, workspace: string, env: Record<string, string>): Promise<SuiteCounts> {
  let server: VsCodeServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startVsCode({ workspace, env });
    browser = await launchBrowser();
    const url = server.workbenchUrl([
      ['extensionDevelopmentPath', server.remoteUri(repoRoot)],
      ['extensionTestsPath', server.remoteUri(path.join(repoRoot, 'out', 'test', 'integration', 'index'))],
    ]);
    const page = await openWorkbench(browser, url);
    const counts = await waitForResults(Date.now() + TIMEOUT_MS);
    await screenshot(page, 'integration-end');
    if (!counts) {
      return { passed: 0, failed: 1, skipped: 0, tests: [], failures: [{ title: 'integration suite', error: `no results after ${TIMEOUT_MS / 1000} s\n${server.log().slice(-4000)}` }] };
    }
    return counts;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    void pg;
  }
}

async function runInElectron(workspace: string, env: Record<string, string>): Promise<SuiteCounts> {
  const { runTests } = await import('@vscode/test-electron');
  Object.assign(process.env, env);
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  }).catch(() => undefined);
  const counts = await waitForResults(Date.now() + 5000);
  return counts ?? { passed: 0, failed: 1, skipped: 0, tests: [], failures: [{ title: 'integration suite', error: 'no results' }] };
}

/**
 * test/fixtures/multi-root as a workspace of three folders, each with its own .vscode/settings.json;
 * window-scoped settings (the connections) go in the .code-workspace file, where VS Code reads them.
 */
function prepareMultiRootWorkspace(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-multi-'));
  fs.cpSync(path.join(fixturesDir, 'multi-root'), dir, { recursive: true });
  const file = path.join(dir, 'multi.code-workspace');
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'orders' }, { path: 'billing' }, { path: 'archive' }], settings: { 'pgHealth.connections': [] } }, null, 2));
  return { dir, file };
}

async function runSuite(pg: PgServer, workspace: string, env: Record<string, string>): Promise<SuiteCounts> {
  fs.rmSync(RESULTS, { force: true });
  return process.env['PG_HEALTH_TEST_ELECTRON'] === '1' ? await runInElectron(workspace, env) : await runInCodeServer(pg, workspace, env);
}

function merged(a: SuiteCounts, b: SuiteCounts): SuiteCounts {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped, failures: [...a.failures, ...b.failures], tests: [...a.tests, ...b.tests] };
}

async function main(): Promise<void> {
  const pg = await startPostgres({ maxConnections: 30 });
  const workspace = prepareWorkspace(pg);
  const multiRoot = prepareMultiRootWorkspace();
  const env = {
    PGPASSWORD: pg.password,
    PG_HEALTH_RESULTS: RESULTS,
    PG_HEALTH_TEST_PG: pg.connectionString,
  };
  let counts: SuiteCounts;
  try {
    // The single-folder window first, then a multi-root window for the tests under multiRoot/.
    const single = await runSuite(pg, workspace, env);
    counts = merged(single, await runSuite(pg, multiRoot.file, { ...env, PG_HEALTH_SUITE: 'multi-root' }));
  } finally {
    await pg.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(multiRoot.dir, { recursive: true, force: true });
  }
  for (const t of counts.tests) console.log(`  ${t.state === 'passed' ? '✔' : t.state === 'skipped' ? '-' : '✘'} ${t.title}${t.durationMs ? ` (${t.durationMs}ms)` : ''}`);
  for (const f of counts.failures) console.log(`\n  FAILED: ${f.title}\n${f.error}`);
  console.log(`\n  integration: ${counts.passed} passing, ${counts.failed} failing, ${counts.skipped} pending`);
  fs.writeFileSync(RESULTS, JSON.stringify(counts, null, 2));
  process.exitCode = counts.failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  fs.mkdirSync(testResultsDir, { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify({ passed: 0, failed: 1, skipped: 0, tests: [], failures: [{ title: 'integration launcher', error: String(err) }] }));
  process.exitCode = 1;
});
