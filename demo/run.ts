// `npm run demo`: embedded PostgreSQL with a small max_connections, a workload that leaks, and
// VS Code with the extension and demo/workspace pointed at that database. Ctrl+C stops
// everything and deletes the data directory.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/support/paths';
import { startPostgres } from '../test/support/postgresServer';
import { startVsCode } from '../test/support/vscodeServer';
import { startWorkload } from './workload';

const MAX_CONNECTIONS = 20;
const workspace = path.join(repoRoot, 'demo', 'workspace');

function log(line: string): void {
  console.log(`[demo] ${line}`);
}

function hasDesktopCode(): boolean {
  if (process.env['PG_HEALTH_DEMO_BROWSER'] === '1') return false;
  return spawnSync('which', ['code'], { encoding: 'utf8' }).status === 0;
}

async function main(): Promise<void> {
  const pg = await startPostgres({ maxConnections: MAX_CONNECTIONS });
  log(`PostgreSQL is listening on 127.0.0.1:${pg.port} with max_connections = ${MAX_CONNECTIONS}`);
  const stops: (() => Promise<void>)[] = [() => pg.stop()];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log('stopping…');
      for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`while stopping: ${String(err)}`));
      log('stopped; the data directory is deleted.');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          // The password is not here: VS Code gets it through PGPASSWORD from this launcher.
          'pgHealth.connections': [{ name: 'demo', host: '127.0.0.1', port: pg.port, user: pg.user, database: pg.database }],
          'pgHealth.refreshInterval': 1,
          // The status bar holds a monitor connection for the demo database, so it follows the leak
          // every second and still sees the server once it is full (docs/fleet.md).
          'pgHealth.statusBar.connections': ['demo'],
          // The workspace's README says where to look first.
          'workbench.startupEditor': 'readme',
        },
        null,
        2,
      ) + '\n',
    );

    // Ctrl+C reaches PostgreSQL too, which ends every session at once: the workload's reports of
    // lost sessions would only bury "stopped" under noise then.
    const workload = await startWorkload(pg, { maxLeaks: 11, leakEveryMs: 8000, log: (line) => !stopping && log(line) });
    stops.push(() => workload.stop());
    log('workload started: orders-api (healthy pool), report-worker (idle in transaction, aborted), invoice-job (leaks a client every 8 s)');

    const env = { ...process.env, PGPASSWORD: pg.password };
    if (hasDesktopCode()) {
      const code = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], { env, stdio: 'inherit' });
      stops.push(async () => {
        code.kill();
      });
      log('VS Code (desktop) is opening demo/workspace with the extension. Press Ctrl+C here to stop the demo.');
    } else {
      const server = await startVsCode({ workspace, env: { PGPASSWORD: pg.password } });
      stops.push(() => server.stop());
      const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]);
      log('VS Code (code-server) is ready. Open this URL in a browser on this machine:');
      console.log(`\n    ${url}\n`);
      log('Then click "PostgreSQL Health" in the activity bar, and run "PostgreSQL Health: Analyze Workspace" (F1) to see the leaks in the code.');
      log('Press Ctrl+C here to stop the demo.');
    }
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
