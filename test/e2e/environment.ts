// One real environment shared by the end-to-end tests: embedded PostgreSQL, code-server with this
// repository as the extension under development, and chromium showing the workbench. Started on
// first use, stopped by the root hook after all tests (also when one fails).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { fixturesDir, repoRoot } from '../support/paths';
import { PgServer, startPostgres } from '../support/postgresServer';
import { launchBrowser, openWorkbench, screenshot, startVsCode, VsCodeServer } from '../support/vscodeServer';

export interface E2eEnvironment {
  pg: PgServer;
  vscode: VsCodeServer;
  browser: Browser;
  page: Page;
  workspace: string;
}

let current: Promise<E2eEnvironment> | undefined;
const cleanups: (() => Promise<void>)[] = [];

export const E2E_MAX_CONNECTIONS = 40;

async function create(): Promise<E2eEnvironment> {
  const pg = await startPostgres({ maxConnections: E2E_MAX_CONNECTIONS });
  cleanups.push(() => pg.stop());
  const admin = await pg.connect();
  await admin.query("CREATE ROLE e2e_other_password LOGIN PASSWORD 'not-the-one-in-PGPASSWORD'");
  await admin.end();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-e2e-ws-'));
  cleanups.push(async () => fs.rmSync(workspace, { recursive: true, force: true }));
  fs.cpSync(path.join(fixturesDir, 'workspace'), workspace, { recursive: true });
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'pgHealth.connections': [
          { name: 'test-db', host: pg.host, port: pg.port, user: pg.user, database: pg.database },
          // PGPASSWORD (the superuser's) is not this role's password.
          { name: 'wrong-password', host: pg.host, port: pg.port, user: 'e2e_other_password', database: 'postgres' },
          { name: 'closed-port', host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' },
        ],
        'pgHealth.refreshInterval': 1,
      },
      null,
      2,
    ),
  );
  const vscode = await startVsCode({ workspace, env: { PGPASSWORD: pg.password } });
  cleanups.push(() => vscode.stop());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const page = await openWorkbench(browser, vscode.workbenchUrl([['extensionDevelopmentPath', vscode.remoteUri(repoRoot)]]));
  return { pg, vscode, browser, page, workspace };
}

export function environment(): Promise<E2eEnvironment> {
  current ??= create();
  return current;
}

export async function stopEnvironment(): Promise<void> {
  current = undefined;
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    await cleanup?.().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

/** Mocha root hooks (loaded with --require): tear the environment down after every test ran. */
export const mochaHooks = {
  /** A failing test leaves a screenshot of what the user would have seen. */
  async afterEach(this: Mocha.Context): Promise<void> {
    const test = this.currentTest;
    if (test?.state !== 'failed' || !current) return;
    const env = await current.catch(() => undefined);
    if (env) await screenshot(env.page, `FAILED-${test.fullTitle()}`).catch(() => undefined);
  },
  async afterAll(): Promise<void> {
    await stopEnvironment();
  },
};
