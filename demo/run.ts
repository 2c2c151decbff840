// `npm run demo`: embedded PostgreSQL with a small max_connections, set up as a user's server would be
// (an ordinary role per application, a monitoring role for the extension), a workload that leaks,
// and VS Code with the extension and demo/workspace pointed at that database. Ctrl+C stops
// everything and deletes the data directory, whatever happened before: sessions terminated from the
// extension, code-server or PostgreSQL gone first.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/support/paths';
import { startPostgres } from '../test/support/postgresServer';
import { startVsCode } from '../test/support/vscodeServer';
import { DemoDatabase, prepareDemoDatabase, RESERVED_CONNECTIONS } from './database';
import { startWorkload } from './workload';
import { copyWorkspace } from './workspaceCopy';

const MAX_CONNECTIONS = 20;
const SUPERUSER_RESERVED_CONNECTIONS = 3;
/** The slots the applications (and the monitor) share: what the Databases view calls capacity. */
const CAPACITY = MAX_CONNECTIONS - SUPERUSER_RESERVED_CONNECTIONS - RESERVED_CONNECTIONS;
/** The invoice job leaks up to its pool size: with orders-api (4), report-worker (3) and the monitor (1) the server is then full. */
const JOB_POOL_SIZE = 7;
const JOB_EVERY_MS = 8_000;

function log(line: string): void {
  console.log(`[demo] ${line}`);
}

function hasDesktopCode(): boolean {
  if (process.env['PG_HEALTH_DEMO_BROWSER'] === '1') return false;
  return spawnSync('which', ['code'], { encoding: 'utf8' }).status === 0;
}

/** The workspace settings: where the demo database is and who to log in as; never a password. */
function writeWorkspaceSettings(workspace: string, demo: DemoDatabase): void {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        // The monitor's password is in the pgpass file that PGPASSFILE points VS Code to.
        'pgHealth.connections': [{ name: 'demo', host: demo.host, port: demo.port, user: demo.monitor.user, database: demo.database }],
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
}

function printWhatToTry(): void {
  const steps = [
    `Click "PostgreSQL Health" in the activity bar. The "demo" row reads used/capacity: capacity is the ${CAPACITY} slots ordinary roles share (max_connections ${MAX_CONNECTIONS} − ${SUPERUSER_RESERVED_CONNECTIONS} for superusers − ${RESERVED_CONNECTIONS} reserved for the monitor). Watch it, and the status bar, climb as invoice-job leaks.`,
    'Expand "demo", then "idle": the invoice-job sessions, each showing the query it ran last. Right-click one → Terminate Backend: the count drops, then climbs back on the job\'s next run.',
    'Right-click an orders-api session under "active" (a pg_sleep query) → Cancel Query: that request fails, the API goes on.',
    'Right-click "idle in transaction" → Terminate Idle Sessions…: keep the state, accept the minimum age, and the preview lists the report-workers; terminated, they connect again after 10 s and open a new transaction.',
    'Right-click a leaked invoice-job session → Go to Code (Analyze Workspace first, when it asks): jobs/invoice-job.js opens at the query the session last ran, and the leaked rows read "leak? jobs/invoice-job.js:9".',
    'Right-click "demo" → Open Dashboard: usage over time, the sessions, the pool budget of the workspace\'s four pools against capacity 15, and advice for this server.',
    'F1 → "PostgreSQL Health: Analyze Workspace": one leak per rule in JavaScript, TypeScript and Python (Problems panel, Ctrl+Shift+M).',
    'Open jobs/invoice-job.js, the code of the job you have been terminating: its early return never releases the client. Ctrl+. on the underlined acquire → "Wrap in try/finally", then save (Ctrl+S). From its next run the job gives its client back; terminate the leaked ones (step 2, or Terminate Idle Sessions… on "idle") and the count stays down.',
    ];
  console.log('\nWhat to try, in order:');
  steps.forEach((step, i) => console.log(`  ${i + 1}. ${step}`));
  console.log('');
}

const stops: (() => Promise<void>)[] = [];
let stopping = false;
/** The start-up: Ctrl+C during it waits for the step under way, so that what it started is stopped too. */
let started: Promise<void> = Promise.resolve();

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await started.catch(() => undefined);
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => log(`while stopping: ${err instanceof Error ? err.message : String(err)}`));
  log('stopped; the data directory is deleted.');
  process.exit(code);
}

async function main(): Promise<void> {
  const pg = await startPostgres({
    maxConnections: MAX_CONNECTIONS,
    settings: { superuser_reserved_connections: SUPERUSER_RESERVED_CONNECTIONS, reserved_connections: RESERVED_CONNECTIONS },
    onUnexpectedExit: (exitCode, signal) => {
      if (!stopping) log(`PostgreSQL exited by itself (${signal ?? `code ${String(exitCode)}`}); press Ctrl+C to end the demo.`);
    },
  });
  stops.push(() => pg.stop());
  if (stopping) return;
  log(`PostgreSQL is listening on 127.0.0.1:${pg.port}: max_connections ${MAX_CONNECTIONS}, ${CAPACITY} of them for ordinary roles; data directory ${path.dirname(pg.dataDir)} (deleted when the demo stops)`);

  const demo = await prepareDemoDatabase(pg);
  stops.push(async () => demo.dispose());
  const workspace = copyWorkspace(demo.dir);
  writeWorkspaceSettings(workspace, demo);
  log(`VS Code opens a copy of demo/workspace, ${workspace}: edit it freely, the invoice job runs its jobs/invoice-job.js (deleted when the demo stops)`);
  log(
    `database "${demo.database}": the applications log in as ${Object.values(demo.apps).map((a) => a.user).join(', ')}; ` +
      `VS Code as "${demo.monitor.user}" (pg_monitor, pg_signal_backend, pg_use_reserved_connections), its password in ${demo.pgpassFile} (PGPASSFILE), not in the settings`,
  );

  // Ctrl+C reaches PostgreSQL too, which ends every session at once: the workload's reports of
  // lost sessions would only bury "stopped" under noise then.
  const jobFile = path.join(workspace, 'jobs', 'invoice-job.js');
  const workload = await startWorkload(demo, { jobPoolSize: JOB_POOL_SIZE, jobEveryMs: JOB_EVERY_MS, jobFile, log: (line) => !stopping && log(line) });
  stops.push(() => workload.stop());
  log(
    `workload started: orders-api (a healthy pool of 4), report-worker (three sessions left in a transaction, one of them failed), ` +
      `invoice-job (runs jobs/invoice-job.js of the workspace every ${JOB_EVERY_MS / 1000} s, leaking a client on every run with nothing to do, up to its pool of ${JOB_POOL_SIZE})`,
  );
  if (stopping) return;

  // Only the password file: a PGPASSWORD from the user's shell would win over it (and is not the monitor's).
  const env: Record<string, string> = { PGPASSFILE: demo.pgpassFile, PGPASSWORD: '' };
  if (hasDesktopCode()) {
    const code = spawn('code', ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], { env: { ...process.env, ...env }, stdio: 'inherit' });
    stops.push(async () => {
      code.kill();
    });
    log('VS Code (desktop) is opening the demo workspace with the extension.');
    printWhatToTry();
    log('Press Ctrl+C here to stop the demo.');
  } else {
    const server = await startVsCode({
      workspace,
      env,
      // Its extension host and watchers go with it when it is stopped, also after it died by itself.
      ownProcessGroup: true,
      onUnexpectedExit: (exitCode, signal) => {
        if (!stopping) log(`code-server exited by itself (${signal ?? `code ${String(exitCode)}`}); press Ctrl+C to end the demo.`);
      },
    });
    stops.push(() => server.stop());
    if (stopping) return;
    const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]);
    log('VS Code (code-server) is ready. Open this URL in a browser on this machine:');
    console.log(`\n    ${url}\n`);
    printWhatToTry();
    log('Press Ctrl+C here to stop the demo (PostgreSQL, VS Code and the data directory go with it).');
  }
}

// Ctrl+C in a terminal reaches every process of the group (PostgreSQL too; code-server has a group of
// its own, stopped from here); a second signal while stopping must not cut the clean-up short.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
// A demo that people are watching reports a bug in one line and keeps going.
process.on('uncaughtException', (err) => log(`unexpected error: ${err.message}`));
process.on('unhandledRejection', (err) => log(`unexpected error: ${err instanceof Error ? err.message : String(err)}`));
started = main();
started.catch((err: unknown) => {
  if (stopping) return;
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
