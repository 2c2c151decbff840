// Scenario 8 — through a connection pooler. Debian's PgBouncer in session, transaction and statement
// mode in front of PostgreSQL, the monitor and the applications logging in as the same role (so
// they share PgBouncer's server connections, the worst case). After 1,000 refreshes, a Terminate
// Backend, a Cancel Query and a Terminate Idle Sessions… through the pooler, 50 application clients
// of the same pooler see every setting in pg_settings, and application_name, exactly as a direct
// connection with no monitor sees them. A control monitor that sets its settings for the session
// (as the monitor once did) shows that the comparison catches a leak.
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { terminateBackend, cancelQuery, terminateSessions } from '../../src/postgres/actions';
import { findIdleSessions } from '../../src/postgres/idleSessions';
import { MonitorConnection } from '../../src/postgres/monitorConnection';
import { Session, Snapshot } from '../../src/postgres/snapshot';
import { SnapshotStore } from '../../src/postgres/store';
import { isPgBouncerAvailable, PgBouncer, PoolMode, startPgBouncer } from '../support/pgBouncer';
import { RoleLogin, waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { APP_PASSWORD, capture, captureStore, report } from './support/evidence';
import { extensionLog } from './support/extensionLog';
import { closeAll, connectClient, createLoginRole } from './support/roles';

const SCENARIO = '8 through a pooler';
const CLIENTS = 50;
const REFRESHES = 1_000;

/** Every setting a session sees, and its application_name: one statement (statement mode allows no more). */
const SETTINGS_SQL = "SELECT name, setting FROM pg_settings UNION ALL SELECT 'application_name (current)', current_setting('application_name')";

type Settings = Map<string, string>;

async function settingsOf(connectionString: string): Promise<Settings> {
  const client = new Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string }>(SETTINGS_SQL);
    return new Map(rows.map((r) => [r.name, r.setting]));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The settings that differ from the baseline, as "name: seen (expected)". */
function differences(seen: Settings, baseline: Settings): string[] {
  const out: string[] = [];
  for (const name of new Set([...seen.keys(), ...baseline.keys()])) {
    if (seen.get(name) !== baseline.get(name)) out.push(`${name}: ${seen.get(name)} (direct: ${baseline.get(name)})`);
  }
  return out;
}

describe('reliability 8: through a connection pooler (PgBouncer)', function () {
  this.timeout(180_000);
  let server: PgServer | undefined;
  let shared: RoleLogin;
  let victimRole: RoleLogin;
  let baseline: Settings;
  const clients: Client[] = [];

  before(async function () {
    if (!isVersionAvailable('default') || !isPgBouncerAvailable()) this.skip();
    server = await startPostgres({ maxConnections: 60 });
    // One role for the monitor and the applications, set up as the README recommends for a monitor.
    shared = await createLoginRole(server, 'pooled_app', APP_PASSWORD, ['pg_monitor', 'pg_signal_backend']);
    victimRole = await createLoginRole(server, 'pooler_victim', APP_PASSWORD);
    // What an application sees with no monitor and no pooler anywhere.
    baseline = await settingsOf(`postgresql://${shared.user}:${encodeURIComponent(shared.password)}@127.0.0.1:${server.port}/${server.database}`);
  });

  afterEach(async () => {
    await closeAll(clients);
  });

  after(async () => {
    await server?.stop();
  });

  /** 50 application clients of the pooler, one after another; the ones whose settings differ from a direct connection's. */
  async function applicationsSee(bouncer: PgBouncer, count: number): Promise<string[][]> {
    const differing: string[][] = [];
    for (let i = 0; i < count; i++) {
      const diff = differences(await settingsOf(bouncer.connectionString(shared.user, shared.password)), baseline);
      if (diff.length > 0) differing.push(diff);
    }
    return differing;
  }

  /** Applications through the pooler, busy in short transactions, so the monitor's transactions land on every server connection. */
  function backgroundLoad(bouncer: PgBouncer): { stop: () => Promise<number> } {
    let running = true;
    let transactions = 0;
    const workers = [0, 1, 2].map(async () => {
      const c = new Client({ connectionString: bouncer.connectionString(shared.user, shared.password) });
      c.on('error', () => undefined);
      await c.connect();
      try {
        while (running) {
          await c.query('SELECT pg_sleep(0.002)');
          transactions++;
        }
      } finally {
        await c.end().catch(() => undefined);
      }
    });
    return {
      stop: async () => {
        running = false;
        await Promise.all(workers);
        return transactions;
      },
    };
  }

  for (const mode of ['session', 'transaction', 'statement'] as PoolMode[]) {
    it(`${mode} mode: after ${REFRESHES} refreshes and every action, ${CLIENTS} applications see the settings of a direct connection`, async () => {
      const s = server as PgServer;
      // Session mode pins a server connection to each client: room for the monitor, the load and one application.
      const bouncer = await startPgBouncer(s, { poolMode: mode, users: { [shared.user]: shared.password }, defaultPoolSize: mode === 'session' ? 6 : 3 });
      const store = new SnapshotStore();
      captureStore(store, SCENARIO);
      const monitor = new MonitorConnection({
        name: `via-${mode}`,
        config: { name: `via-${mode}`, host: '127.0.0.1', port: bouncer.port, database: s.database, user: shared.user, ssl: 'disable' },
        store,
        passwords: { secretPassword: () => shared.password, env: {}, homedir: '/nonexistent' },
        log: extensionLog(SCENARIO),
      });
      try {
        // The pooler is in front from the start; nothing has touched its server connections yet.
        assert.deepEqual(await applicationsSee(bouncer, 3), [], 'through the pooler, before any monitor, an application sees what a direct one sees');

        monitor.start();
        const first = await waitFor('the monitor live through the pooler', () => monitor.isConnected && store.get(`via-${mode}`)?.snapshot);
        assert.ok(first.pooler, 'the snapshot says a pooler is in front');
        assert.equal(first.pooler.serverPort, s.port, "the advice names the server's own port");
        capture('pooler', first.pooler.evidence);

        // Sessions to act on, straight on the server (their own application names stay theirs).
        const login = { user: victimRole.user, password: victimRole.password };
        const idleInTx = await connectClient(s, login, 'victim-idle-in-tx');
        const active = await connectClient(s, login, 'victim-active');
        const idle = [await connectClient(s, login, 'victim-idle-1'), await connectClient(s, login, 'victim-idle-2')];
        clients.push(idleInTx, active, ...idle);
        await idleInTx.query('BEGIN');
        await idleInTx.query('SELECT 1');
        const sleeping = active.query('SELECT pg_sleep(60)').catch((error: unknown) => error);

        const load = backgroundLoad(bouncer);
        let last: Snapshot | undefined;
        const backends = new Set<number>();
        let failed = 0;
        for (let i = 0; i < REFRESHES; i++) {
          const snapshot = await monitor.refresh();
          if (!snapshot) failed++;
          else {
            last = snapshot;
            backends.add(snapshot.monitorPid);
          }
        }
        const loadTransactions = await load.stop();
        assert.equal(failed, 0, 'every refresh through the pooler succeeded');
        assert.ok(last, 'a snapshot');
        const byApp = (name: string): Session =>
          last?.sessions.find((x) => x.application === name) ?? assert.fail(`${name} is not in the snapshot`);

        // The guards through the pooler: a changed backend_start is refused, the monitor's own transaction's backend is never signalled.
        const target = byApp('victim-idle-in-tx');
        const reused = await terminateBackend(monitor, { pid: target.pid, backendStart: '2000-01-01T00:00:00+00:00' });
        assert.equal(reused.kind === 'refused' && reused.reason, 'backend-changed', reused.message);
        const ownRow = last.sessions.find((x) => x.isMonitor) ?? assert.fail("the monitor's row");
        const own = await terminateBackend(monitor, ownRow);
        capture('actionResult', own.message);
        if (mode === 'session') assert.equal(own.kind === 'refused' && own.reason, 'monitor-session', 'a session-mode client keeps its server connection');

        const terminated = await terminateBackend(monitor, target);
        assert.equal(terminated.kind, 'terminated', terminated.message);
        await waitFor('the victim query running', async () => (await monitor.refresh())?.sessions.some((x) => x.application === 'victim-active' && x.state === 'active'));
        const cancelled = await cancelQuery(monitor, byApp('victim-active'));
        assert.equal(cancelled.kind, 'signalled', cancelled.message);
        const cancelError = await sleeping;
        assert.equal((cancelError as { code?: string }).code, '57014', 'the running query was cancelled');
        const snapshot = (await monitor.refresh()) ?? assert.fail('a refresh after the actions');
        const chosen = findIdleSessions(snapshot, { states: ['idle'], minAgeSeconds: 0 }).filter((x) => x.application?.startsWith('victim-idle-'));
        assert.equal(chosen.length, 2);
        const bulk = await terminateSessions(monitor, chosen);
        assert.equal(bulk.terminated, 2, JSON.stringify(bulk.results));
        for (const r of [reused, terminated, cancelled, ...bulk.results]) capture('actionResult', r.message);

        // 25 applications while the monitor is connected, 25 after it left.
        const during = await applicationsSee(bouncer, CLIENTS / 2);
        await monitor.dispose();
        const after = await applicationsSee(bouncer, CLIENTS / 2);
        const differing = [...during, ...after];
        assert.deepEqual(differing, [], `applications saw the monitor's settings:\n${differing.map((d) => d.join('; ')).join('\n')}`);
        const servers = await bouncer.admin('SHOW SERVERS');
        report(
          SCENARIO,
          `${mode} mode: applications with settings unlike a direct connection`,
          `${differing.length} of ${CLIENTS} (after ${REFRESHES} refreshes on ${backends.size} server connection(s) among ${loadTransactions} application transactions, 1 terminate, 1 cancel, 1 bulk terminate of 2; ${servers.length} server connection(s) open)`,
        );
      } finally {
        await monitor.dispose();
        await bouncer.stop();
      }
    });
  }

  it('control: a monitor that sets its settings for the session leaks them into the applications of a transaction pooler', async () => {
    // What the monitor did before: application_name at connect, set_config(..., false) after. The same
    // comparison must see it, or the rows above prove nothing.
    const s = server as PgServer;
    const bouncer = await startPgBouncer(s, { poolMode: 'transaction', users: { [shared.user]: shared.password }, defaultPoolSize: 3 });
    try {
      const naive = new Client({ connectionString: bouncer.connectionString(shared.user, shared.password), application_name: 'pg-health monitor' });
      naive.on('error', () => undefined);
      await naive.connect();
      await naive.query("SELECT set_config('statement_timeout', '5000', false), set_config('TimeZone', 'UTC', false)");
      await naive.end();
      const differing = await applicationsSee(bouncer, CLIENTS);
      assert.ok(differing.length > 0, 'the comparison sees a session-level setting left on a server connection');
      report(SCENARIO, 'control (session-level settings, transaction mode): applications with settings unlike a direct connection', `${differing.length} of ${CLIENTS}: ${differing[0]?.join('; ')}`);
    } finally {
      await bouncer.stop();
    }
  });
});
