// Scenario 4 — bad configuration. Each mistake a user can make in pgHealth.connections gives one
// clear message on the database node (the store's status, which the tree, the dashboard and the
// status bar render), a bounded number of log lines (no storm: permanent errors stop, transient
// ones retry at the backoff's pace), no unhandled rejection (root hook), and no password anywhere —
// in the status, the log as src/postgres wrote it, the output channel after redact(), or the
// `pg-health status` CLI's output for the same connection strings.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { Client } from 'pg';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { terminateBackend } from '../../src/postgres/actions';
import { ConnectionConfig } from '../../src/postgres/connectionConfig';
import { PasswordSources } from '../../src/postgres/connectionOptions';
import { MonitorManager } from '../../src/postgres/monitors';
import { MonitorStatus } from '../../src/postgres/snapshot';
import { SnapshotStore } from '../../src/postgres/store';
import { RoleLogin, waitFor } from '../support/pgSessions';
import { freePort, isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { APP_PASSWORD, capture, Captured, capturedTexts, captureStore, leaks, MONITOR_PASSWORD, registerSecret, report, STRING_PASSWORD } from './support/evidence';
import { ExtensionLog, extensionLog, outputChannelLines } from './support/extensionLog';
import { closeAll, connectClient, createLoginRole } from './support/roles';

const SCENARIO = '4 bad configuration';
const WRONG_PASSWORD = `wrong-RELSECRET-Zx9'"`;
registerSecret(WRONG_PASSWORD);
const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

interface Case {
  name: string;
  config: Omit<ConnectionConfig, 'name'>;
  password?: string;
  /** The status the node settles in and the words its message must contain. */
  kind: 'failed' | 'reconnecting';
  words: RegExp;
  /** Also run `pg-health status` with this connection string. */
  cliString?: string;
}

function runCli(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20_000, env: { ...process.env, PGPASSWORD: '', HOME: '/nonexistent' } }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

function statusMessage(status: MonitorStatus | undefined): string {
  if (status?.kind === 'failed') return status.reason;
  if (status?.kind === 'reconnecting') return status.lastError;
  return '';
}

describe('reliability 4: bad configuration', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  let watcher: RoleLogin;
  let manager: MonitorManager | undefined;
  const clients: Client[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres();
    watcher = await createLoginRole(server, 'bad_watcher', MONITOR_PASSWORD, ['pg_monitor']);
  });

  afterEach(async () => {
    await manager?.dispose();
    manager = undefined;
    await closeAll(clients);
  });

  after(async () => {
    await server?.stop();
  });

  function newManager(passwordsFor: (config: ConnectionConfig) => PasswordSources, log: ExtensionLog): SnapshotStore {
    const store = new SnapshotStore();
    captureStore(store, SCENARIO);
    manager = new MonitorManager({ store, intervalMs: 100, passwordsFor, monitorOptions: { backoff: { initialMs: 200, maxMs: 800 }, connectTimeoutMs: 3_000 }, log });
    return store;
  }

  it('every mistake gives one clear message on its node, a bounded log and no secret', async () => {
    const s = server as PgServer;
    const closedPort = await freePort();
    const enc = encodeURIComponent(STRING_PASSWORD);
    const local = { host: s.host, port: s.port, database: s.database, user: watcher.user, ssl: 'disable' as const };
    const cases: Case[] = [
      { name: 'not a string', config: { connectionString: 'not a connection string' }, kind: 'failed', words: /connection string is not valid/, cliString: 'not a connection string' },
      {
        name: 'uri with a bad port',
        config: { connectionString: `postgresql://bad_watcher:${enc}@127.0.0.1:99999/postgres` },
        kind: 'failed',
        words: /not a valid URI/,
        cliString: `postgresql://bad_watcher:${enc}@127.0.0.1:99999/postgres`,
      },
      {
        name: 'bad percent-encoding in the password',
        config: { connectionString: `postgresql://bad_watcher:${enc}%zz@127.0.0.1:${s.port}/postgres` },
        kind: 'failed',
        words: /password in the connection string has invalid percent-encoding/,
        cliString: `postgresql://bad_watcher:${enc}%zz@127.0.0.1:${s.port}/postgres`,
      },
      {
        name: 'unclosed quoted password',
        config: { connectionString: `host=127.0.0.1 port=${s.port} password='${STRING_PASSWORD.replace(/'/g, "\\'")}` },
        kind: 'failed',
        words: /quoted value of "password" is not closed/,
      },
      {
        name: 'empty port before the password',
        config: { connectionString: `host=127.0.0.1 port= password=${enc}` },
        kind: 'failed',
        words: /port in the connection string must be a number/,
        cliString: `host=127.0.0.1 port= password=${enc}`,
      },
      {
        name: 'empty sslmode before the password',
        config: { connectionString: `host=127.0.0.1 sslmode= password=${enc}` },
        kind: 'failed',
        words: /sslmode must be one of/,
        cliString: `host=127.0.0.1 sslmode= password=${enc}`,
      },
      { name: 'wrong scheme', config: { connectionString: `mysql://bad_watcher:${enc}@127.0.0.1/postgres` }, kind: 'failed', words: /must start with postgresql:\/\/ or postgres:\/\// },
      { name: 'unknown host', config: { ...local, host: 'nonexistent.invalid' }, kind: 'reconnecting', words: /Server not reachable: (unknown host name|the host name could not be resolved)/ },
      { name: 'closed port', config: { ...local, port: closedPort }, kind: 'reconnecting', words: /Server not reachable: connection refused/, cliString: `postgresql://bad_watcher:${enc}@127.0.0.1:${closedPort}/postgres?sslmode=disable` },
      { name: 'wrong password', config: local, password: WRONG_PASSWORD, kind: 'failed', words: /Wrong password \(or no such role\)/, cliString: `postgresql://bad_watcher:${encodeURIComponent(WRONG_PASSWORD)}@127.0.0.1:${s.port}/postgres?sslmode=disable` },
      { name: 'no password anywhere', config: local, password: '', kind: 'failed', words: /No password for bad_watcher@127\.0\.0\.1:\d+\/postgres/ },
      { name: 'missing database', config: { ...local, database: 'no_such_db' }, kind: 'failed', words: /Database missing: .*"no_such_db" does not exist/ },
      { name: 'ssl required, server without ssl', config: { ...local, ssl: 'require' }, kind: 'failed', words: /server does not support TLS/ },
      { name: 'CA file missing', config: { ...local, ssl: 'verify-full', sslRootCert: '/nonexistent/ca.pem' }, kind: 'failed', words: /CA file \(sslRootCert\) \/nonexistent\/ca\.pem does not exist/ },
    ];
    const log = extensionLog(SCENARIO);
    const store = newManager((config) => {
      const c = cases.find((x) => x.name === config.name);
      return { secretPassword: () => c?.password ?? watcher.password, env: {}, homedir: '/nonexistent' };
    }, log);
    const m = manager as MonitorManager;
    m.configure(cases.map((c) => ({ name: c.name, ...c.config })));
    for (const c of cases) m.lease(c.name, 'tree');

    for (const c of cases) {
      const status = await waitFor(`${c.name}: a ${c.kind} status (now ${JSON.stringify(store.get(c.name)?.status)})`, () => {
        const st = store.get(c.name)?.status;
        return st?.kind === c.kind ? st : undefined;
      });
      assert.match(statusMessage(status), c.words, c.name);
    }
    // Let the transient ones retry for a while: permanent ones stay silent, transient ones log once per attempt.
    const linesBefore = new Map(cases.map((c) => [c.name, log.raw.filter((l) => l.includes(`${c.name}`)).length]));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const perCase: Record<string, string> = {};
    for (const c of cases) {
      const state = store.get(c.name);
      const lines = log.raw.filter((l) => l.includes(`${c.name}`)).length;
      const message = statusMessage(state?.status);
      perCase[c.name] = message;
      assert.equal(state?.status.kind, c.kind, `${c.name} stays ${c.kind}`);
      assert.equal(state?.snapshot, undefined);
      if (c.kind === 'failed') {
        assert.equal(lines, linesBefore.get(c.name), `${c.name}: no more log lines after the failure`);
        assert.equal(log.raw.filter((l) => l.startsWith('[error]') && l.includes(`${c.name}`)).length, 1, `${c.name}: one error line`);
      } else {
        const attempt = state?.status.kind === 'reconnecting' ? state.status.attempt : 0;
        assert.ok(lines <= attempt + 1 && attempt <= 12, `${c.name}: ${lines} log lines for ${attempt} attempts`);
      }
    }

    // The same strings through the CLI: a message, exit 2, no password.
    const cliOutputs: Captured[] = [];
    for (const c of cases.filter((x) => x.cliString !== undefined)) {
      const { code, output } = await runCli(['status', c.cliString ?? '']);
      capture('cli', output);
      cliOutputs.push({ source: c.name, text: output });
      assert.notEqual(code, 0, `${c.name}: pg-health status fails`);
      assert.match(output, /pg-health status: /, c.name);
    }
    report(SCENARIO, 'messages on the nodes', perCase);
    report(SCENARIO, 'pg-health status outputs', Object.fromEntries(cliOutputs.map((o) => [o.source, o.text.trim()])));
    assert.deepEqual(leaks(capturedTexts().filter((x) => x.source.includes(SCENARIO) || x.source === 'cli')), []);
    assert.deepEqual(leaks(outputChannelLines().map((text) => ({ source: 'outputChannel', text }))), []);
  });

  it('a role without pg_monitor sees a hidden count; without pg_signal_backend a terminate says which role is needed', async () => {
    const s = server as PgServer;
    const bare = await createLoginRole(s, 'bad_bare', MONITOR_PASSWORD);
    const reader = await createLoginRole(s, 'bad_reader', MONITOR_PASSWORD, ['pg_monitor']);
    const signaller = await createLoginRole(s, 'bad_signaller', MONITOR_PASSWORD, ['pg_monitor', 'pg_signal_backend']);
    const app = await createLoginRole(s, 'bad_app', APP_PASSWORD);
    for (let i = 0; i < 3; i++) clients.push(await connectClient(s, app, `bad-app-${i}`));
    const superuserSession = await s.connect();
    clients.push(superuserSession);
    const log = extensionLog(SCENARIO);
    const store = newManager(() => ({ secretPassword: () => MONITOR_PASSWORD, env: {}, homedir: '/nonexistent' }), log);
    const m = manager as MonitorManager;
    const config = (name: string, user: string): ConnectionConfig => ({ name, host: s.host, port: s.port, database: s.database, user, ssl: 'disable' });
    m.configure([config('bare', bare.user), config('reader', reader.user), config('signaller', signaller.user)]);
    for (const name of ['bare', 'reader', 'signaller']) m.lease(name, 'tree');
    await waitFor('snapshots of all three', () => store.get('bare')?.snapshot && store.get('reader')?.snapshot && store.get('signaller')?.snapshot);
    await m.refresh();
    const bareSnap = store.get('bare')?.snapshot ?? assert.fail('no snapshot');

    // Hidden sessions are counted, not dropped, and the dashboard says what to grant.
    assert.ok(bareSnap.hidden >= 4, `hidden ${bareSnap.hidden}`);
    assert.equal(bareSnap.used, (store.get('reader')?.snapshot?.used ?? 0), 'the same slots are counted with and without pg_monitor');
    const notes = buildDashboardPayload(store.get('bare') ?? assert.fail()).live?.notes ?? [];
    capture('dashboardNotes', notes.join('\n'));
    assert.ok(notes.some((n) => /\d+ sessions belong to other users .* grant pg_read_all_stats \(or pg_monitor\)/.test(n)), notes.join('\n'));

    const appSession = store.get('reader')?.snapshot?.sessions.find((x) => x.application === 'bad-app-0');
    const hiddenSession = bareSnap.sessions.find((x) => !x.visible);
    assert.ok(appSession && hiddenSession);
    const results = [
      await terminateBackend(m.monitor('bare') ?? assert.fail(), hiddenSession),
      await terminateBackend(m.monitor('reader') ?? assert.fail(), appSession),
      await terminateBackend(m.monitor('signaller') ?? assert.fail(), store.get('signaller')?.snapshot?.sessions.find((x) => x.user === 'postgres' && !x.isMonitor) ?? assert.fail('no superuser session')),
    ];
    for (const r of results) capture('actionResult', r.message);
    assert.deepEqual(
      results.map((r) => r.kind),
      ['refused', 'not-permitted', 'not-permitted'],
    );
    assert.match(results[0]?.message ?? '', /cannot see backend \d+.*Grant it pg_monitor/);
    assert.match(results[1]?.message ?? '', /needs the pg_signal_backend role/);
    assert.match(results[2]?.message ?? '', /belongs to a superuser, and only a superuser may signal it/);
    // Nothing was terminated.
    assert.equal((await clients[0]?.query('SELECT 1'))?.rowCount, 1);
    assert.equal((await superuserSession.query('SELECT 1')).rowCount, 1);
    report(SCENARIO, 'hidden sessions counted for a role without pg_monitor', bareSnap.hidden);
    report(SCENARIO, 'terminate without the privileges', results.map((r) => r.message));
    assert.deepEqual(leaks(capturedTexts()), []);
  });
});
