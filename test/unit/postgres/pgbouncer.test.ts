// The PgBouncer admin console as a data source, against Debian's real PgBouncer in front of real
// PostgreSQL: what the pools show under a saturating workload, and what the user reads when the
// console is down, the login is wrong, the user may not use the console, the pooler is full, a
// database is PAUSEd or the pooler is SUSPENDed — with never more than one admin connection.
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { ConnectionConfig } from '../../../src/postgres/connectionConfig';
import { buildPoolerView } from '../../../src/dashboard/poolerView';
import { MonitorConnection } from '../../../src/postgres/monitorConnection';
import { describePoolerError } from '../../../src/postgres/pgbouncer';
import { PgBouncerMonitor, PoolerStore } from '../../../src/postgres/pgbouncerMonitor';
import { SnapshotStore } from '../../../src/postgres/store';
import { PgBouncer, isPgBouncerAvailable, startPgBouncer } from '../../support/pgBouncer';
import { waitFor } from '../../support/pgSessions';
import { freePort, PgServer, startPostgres } from '../../support/postgresServer';
import { configFor, secretOnly } from './monitorHelpers';

const FAST_BACKOFF = { initialMs: 50, maxMs: 300 };
const APP = { user: 'app_user', password: 'app-pw' };
const STATS = { user: 'stats_reader', password: 'stats-pw' };
const NOBODY = { user: 'not_admin', password: 'not-admin-pw' };

describe('PgBouncer admin console (real PgBouncer 1.18 and PostgreSQL)', function () {
  let pg: PgServer | undefined;
  let bouncer: PgBouncer | undefined;
  const monitors: PgBouncerMonitor[] = [];
  const apps: Client[] = [];

  before(async function () {
    if (!isPgBouncerAvailable()) this.skip();
    pg = await startPostgres({ maxConnections: 30 });
    const admin = await pg.connect();
    await admin.query(`CREATE ROLE ${APP.user} LOGIN PASSWORD '${APP.password}'`);
    await admin.end();
    bouncer = await startPgBouncer(pg, {
      poolMode: 'transaction',
      defaultPoolSize: 1,
      users: { [APP.user]: APP.password, [STATS.user]: STATS.password, [NOBODY.user]: NOBODY.password },
      settings: { stats_users: STATS.user, max_client_conn: 8 },
    });
  });

  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.dispose()));
    await Promise.all(apps.splice(0).map((c) => c.end().catch(() => undefined)));
  });

  after(async () => {
    await bouncer?.stop();
    await pg?.stop();
  });

  const entry = (user: string, port = (bouncer as PgBouncer).port): ConnectionConfig => ({ name: 'bouncer', kind: 'pgbouncer', host: '127.0.0.1', port, user, ssl: 'disable' });

  function watch(config: ConnectionConfig, password: string, store = new PoolerStore(), options: { commandTimeoutMs?: number; settingsEveryMs?: number } = {}): { monitor: PgBouncerMonitor; store: PoolerStore } {
    const monitor = new PgBouncerMonitor({ name: config.name, config, store, passwords: secretOnly(password), backoff: FAST_BACKOFF, connectTimeoutMs: 3_000, ...options });
    monitors.push(monitor);
    monitor.start();
    return { monitor, store };
  }

  async function app(): Promise<Client> {
    const client = new Client({ connectionString: (bouncer as PgBouncer).connectionString(APP.user, APP.password, (pg as PgServer).database) });
    client.on('error', () => undefined);
    await client.connect();
    apps.push(client);
    return client;
  }

  /** Clients connected to the console itself, as PgBouncer lists them (the monitor's and this probe's). */
  async function consoleClients(user: string): Promise<number> {
    const rows = await (bouncer as PgBouncer).admin('SHOW CLIENTS');
    return rows.filter((r) => r['database'] === 'pgbouncer' && r['user'] === user).length;
  }

  it('reads the pools, clients and servers, and sees clients waiting while one transaction holds the only server connection', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user), (pg as PgServer).password);
    await waitFor('the pooler to be live', () => store.get('bouncer')?.snapshot);
    const holder = await app();
    await holder.query('BEGIN');
    await holder.query('SELECT 1');
    const waiters = [await app(), await app()];
    const pending = waiters.map((c) => c.query('SELECT 1'));
    // cl_waiting > 0 over several refreshes: saturation, as the user will see it.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await monitor.refresh();
    }
    const state = store.get('bouncer');
    const pool = state?.snapshot?.pools.find((p) => p.database === (pg as PgServer).database && p.user === APP.user);
    assert.ok(pool, `a pool for ${APP.user}: ${JSON.stringify(state?.snapshot?.pools)}`);
    assert.equal(pool.clWaiting, 2);
    assert.equal(pool.svActive, 1);
    assert.equal(pool.svIdle, 0);
    assert.equal(pool.poolMode, 'transaction');
    assert.ok(pool.maxwaitSeconds > 0.3, `maxwait ${pool.maxwaitSeconds}`);
    assert.match(state?.snapshot?.version ?? '', /^PgBouncer 1\.\d+/);
    assert.equal(state?.snapshot?.settings?.defaultPoolSize, 1);
    assert.equal(state?.snapshot?.settings?.maxClientConn, 8);
    assert.equal(state?.snapshot?.clients.filter((c) => c.user === APP.user && c.state === 'waiting').length, 2);
    const server = state?.snapshot?.servers.find((s) => s.user === APP.user);
    assert.ok(server?.localPort && server.port === (pg as PgServer).port, 'SHOW SERVERS gives both ends of the server connection');
    const health = state?.health?.pools.find((p) => p.user === APP.user);
    assert.equal(health?.level, 'critical');
    assert.deepEqual(health?.signs.filter((s) => s !== 'maxwaitRising'), ['waiting', 'noIdleServer']);
    assert.ok(state?.history.some((h) => h.waiting === 2));
    // The backend PgBouncer opened is the one whose client port is PgBouncer's end of that server connection.
    const observer = await (pg as PgServer).connect();
    try {
      const { rows } = await observer.query<{ pid: number; client_port: number }>('SELECT pid, client_port FROM pg_stat_activity WHERE usename = $1', [APP.user]);
      assert.deepEqual(rows.map((r) => r.client_port), [server?.localPort]);
      assert.deepEqual(rows.map((r) => r.pid), [server?.remotePid]);
    } finally {
      await observer.end();
    }
    // It clears.
    await holder.query('COMMIT');
    await Promise.all(pending);
    await monitor.refresh();
    const after = store.get('bouncer');
    assert.equal(after?.snapshot?.pools.find((p) => p.user === APP.user)?.clWaiting, 0);
    assert.equal(after?.health?.pools.find((p) => p.user === APP.user)?.level, 'ok');
    assert.equal(await consoleClients((pg as PgServer).user), 2, 'the monitor and this probe: one admin connection for the monitor');
  });

  it('in session mode, sees a client wait for the whole session of another, and the wait clear when that client leaves', async () => {
    const session = await startPgBouncer(pg as PgServer, { poolMode: 'session', defaultPoolSize: 1, users: { [APP.user]: APP.password } });
    const store = new PoolerStore();
    const monitor = new PgBouncerMonitor({ name: 'session', config: { ...entry((pg as PgServer).user, session.port), name: 'session' }, store, passwords: secretOnly((pg as PgServer).password), backoff: FAST_BACKOFF });
    monitors.push(monitor);
    const client = (): Client => {
      const c = new Client({ connectionString: session.connectionString(APP.user, APP.password, (pg as PgServer).database) });
      c.on('error', () => undefined);
      return c;
    };
    const first = client();
    const second = client();
    try {
      monitor.start();
      await waitFor('the pooler to be live', () => store.get('session')?.snapshot);
      await first.connect();
      await first.query('SELECT 1'); // not in a transaction: in session mode it keeps the server connection anyway
      await second.connect();
      const waited = second.query('SELECT 1');
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await monitor.refresh();
      }
      const pool = store.get('session')?.snapshot?.pools.find((p) => p.user === APP.user);
      assert.equal(pool?.poolMode, 'session');
      assert.equal(pool?.clWaiting, 1);
      assert.equal(pool?.svActive, 1);
      const health = store.get('session')?.health?.pools.find((p) => p.user === APP.user);
      assert.equal(health?.level, 'critical');
      assert.ok(health?.signs.includes('waiting') && health.signs.includes('noIdleServer'));
      await first.end();
      await waited;
      await monitor.refresh();
      assert.equal(store.get('session')?.snapshot?.pools.find((p) => p.user === APP.user)?.clWaiting, 0);
      assert.equal(store.get('session')?.health?.pools.find((p) => p.user === APP.user)?.level, 'ok');
    } finally {
      await first.end().catch(() => undefined);
      await second.end().catch(() => undefined);
      await monitor.dispose();
      await session.stop();
    }
  });

  it("marks the server's backends PgBouncer opened as the pooler's, and no other session", async () => {
    const { monitor, store: poolers } = watch(entry((pg as PgServer).user), (pg as PgServer).password);
    await waitFor('the pooler to be live', () => poolers.get('bouncer')?.snapshot);
    const holder = await app();
    await holder.query('BEGIN');
    await holder.query('SELECT 1');
    // An application connected directly, from the same address: not the pooler's.
    const direct = new Client({ host: '127.0.0.1', port: (pg as PgServer).port, user: APP.user, password: APP.password, database: (pg as PgServer).database });
    await direct.connect();
    apps.push(direct);
    const sessions = new SnapshotStore();
    const server = new MonitorConnection({ name: 'server', config: configFor(pg as PgServer), store: sessions, passwords: secretOnly((pg as PgServer).password), backoff: FAST_BACKOFF });
    try {
      server.start();
      await waitFor('the server snapshot', () => sessions.get('server')?.snapshot);
      await monitor.refresh();
      const snapshot = await server.refresh();
      const app_sessions = (snapshot?.sessions ?? []).filter((s) => s.user === APP.user);
      assert.equal(app_sessions.length, 2, 'the backend PgBouncer opened and the direct one');
      const owned = app_sessions.filter((s) => poolers.ownerOf(s) !== undefined);
      assert.equal(owned.length, 1);
      const owner = poolers.ownerOf(owned[0] as (typeof owned)[number]);
      assert.deepEqual(owner, { pooler: 'bouncer', database: (pg as PgServer).database, user: APP.user, state: 'active' });
      const pooled = poolers.get('bouncer')?.snapshot?.servers.find((s) => s.user === APP.user);
      assert.equal(owned[0]?.pid, pooled?.remotePid);
      assert.equal(owned[0]?.clientPort, pooled?.localPort);
      assert.ok((snapshot?.sessions ?? []).filter((s) => s.isMonitor).every((s) => poolers.ownerOf(s) === undefined), "the monitor's own session is not the pooler's");
    } finally {
      await server.dispose();
      await holder.query('COMMIT').catch(() => undefined);
    }
  });

  it('advises on default_pool_size, max_db_connections and reserve_pool_size from the live numbers and the settings PgBouncer reports', async () => {
    // SHOW CONFIG on every refresh, so a changed setting shows at once.
    const { monitor, store: poolers } = watch(entry((pg as PgServer).user), (pg as PgServer).password, new PoolerStore(), { settingsEveryMs: 0 });
    await waitFor('the pooler to be live', () => poolers.get('bouncer')?.snapshot);
    const holder = await app();
    await holder.query('BEGIN');
    await holder.query('SELECT 1');
    const waiters = [await app(), await app()];
    const pending = waiters.map((c) => c.query('SELECT 1'));
    const sessions = new SnapshotStore();
    const server = new MonitorConnection({ name: 'server', config: configFor(pg as PgServer), store: sessions, passwords: secretOnly((pg as PgServer).password), backoff: FAST_BACKOFF });
    const view = async (): Promise<ReturnType<typeof buildPoolerView>> => {
      await monitor.refresh();
      const snapshot = await server.refresh();
      assert.ok(snapshot);
      const state = poolers.get('bouncer');
      assert.ok(state?.snapshot);
      const owned = snapshot.sessions.filter((x) => poolers.ownerOf(x)?.pooler === 'bouncer').length;
      return buildPoolerView({ name: 'bouncer', snapshot: state.snapshot, health: state.health, history: state.history, ownedBackends: owned, used: snapshot.used, capacity: snapshot.capacity });
    };
    try {
      server.start();
      await waitFor('the server snapshot', () => sessions.get('server')?.snapshot);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await monitor.refresh();
      }
      const saturated = await view();
      assert.equal(saturated.level, 'critical');
      assert.equal(saturated.ownedBackends, 1, 'the one server connection of the pool is a backend of this server');
      const free = saturated.capacity - saturated.used;
      assert.ok(free >= 2, `free slots ${free}`);
      const pool = saturated.advice.find((a) => a.setting === 'default_pool_size');
      assert.equal(pool?.current, 1);
      assert.equal(pool?.suggested, 3, 'one busy connection and two waiting clients: two more');
      assert.match(pool?.text ?? '', new RegExp(`^Pool ${(pg as PgServer).database}/${APP.user}: 2 clients wait \\(maxwait [\\d.]+ s\\) while 1 of its 1 server connections are busy\\. The server has ${free} free slots, so default_pool_size = 3`));
      const reserve = saturated.advice.find((a) => a.setting === 'reserve_pool_size');
      assert.equal(reserve?.suggested, 1);
      assert.equal(saturated.advice.find((a) => a.setting === 'max_db_connections')?.suggested, null, 'pools of size 1 fit the server');

      // Pools that could open more than the server has: PgBouncer's own SET, as an admin would.
      await (bouncer as PgBouncer).admin('SET default_pool_size = 100');
      const oversized = await view();
      assert.equal(oversized.settings?.defaultPoolSize, 100);
      const cap = oversized.advice.find((a) => a.setting === 'max_db_connections');
      const room = oversized.capacity - oversized.used + oversized.ownedBackends;
      assert.equal(cap?.current, 0);
      assert.equal(cap?.suggested, room);
      assert.match(cap?.text ?? '', new RegExp(`^max_db_connections = 0 \\(no limit\\): the \\d+ pools may open up to \\d+ server connections .* more than the ${room} slots the server can give PgBouncer now\\. max_db_connections = ${room} makes clients queue in PgBouncer`));
    } finally {
      await (bouncer as PgBouncer).admin('SET default_pool_size = 1');
      await holder.query('COMMIT').catch(() => undefined);
      await Promise.all(pending).catch(() => undefined);
      await server.dispose();
    }
  });

  it('keeps one admin connection across many refreshes and reconnects', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user), (pg as PgServer).password);
    await waitFor('the pooler to be live', () => store.get('bouncer')?.snapshot);
    await Promise.all(Array.from({ length: 20 }, () => monitor.refresh()));
    for (let i = 0; i < 10; i++) await monitor.refresh();
    assert.equal(await consoleClients((pg as PgServer).user), 2, 'the monitor and this probe');
    // PgBouncer drops the monitor's connection (KILL of the console is not allowed; RECONNECT does not
    // touch clients): a restart of the monitor must not leave the old connection behind.
    await monitor.stop();
    monitor.start();
    await waitFor('the pooler to be live again', () => monitor.status.kind === 'live' && monitor.isConnected);
    await monitor.refresh();
    assert.equal(await consoleClients((pg as PgServer).user), 2);
  });

  it('says the admin console is not reachable when nothing listens, and keeps retrying without hanging', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user, await freePort()), (pg as PgServer).password);
    const status = await waitFor('a reconnecting status', () => (store.get('bouncer')?.status.kind === 'reconnecting' ? store.get('bouncer')?.status : undefined));
    assert.equal(status?.kind, 'reconnecting');
    assert.equal(status?.kind === 'reconnecting' ? status.lastError : '', 'PgBouncer not reachable: connection refused (is it running and listening on this host and port?).');
    await waitFor('a second attempt', () => (monitor.status.kind === 'reconnecting' && monitor.status.attempt >= 2 ? true : undefined));
  });

  it("says when the entry points at PostgreSQL itself or at another of PgBouncer's databases, and stops trying", async () => {
    const atPostgres = watch({ ...entry((pg as PgServer).user, (pg as PgServer).port), name: 'at-postgres' }, (pg as PgServer).password);
    const status = await waitFor('a failed status', () => (atPostgres.store.get('at-postgres')?.status.kind === 'failed' ? atPostgres.store.get('at-postgres')?.status : undefined));
    assert.equal(
      status?.kind === 'failed' ? status.reason : '',
      'This is not PgBouncer\'s admin console (database "pgbouncer" does not exist): PostgreSQL itself answered on this port. Point the entry at PgBouncer\'s listen_port.',
    );
    const appDatabase = watch({ ...entry((pg as PgServer).user), name: 'app-database', database: (pg as PgServer).database }, (pg as PgServer).password);
    const other = await waitFor('a failed status', () => (appDatabase.store.get('app-database')?.status.kind === 'failed' ? appDatabase.store.get('app-database')?.status : undefined));
    assert.match(other?.kind === 'failed' ? other.reason : '', /^This is not PgBouncer's admin console \(unrecognized configuration parameter "version"\): connect to the database "pgbouncer"/);
  });

  it('says the password is wrong, and stops trying', async () => {
    const { store } = watch(entry((pg as PgServer).user), 'not-the-password');
    const status = await waitFor('a failed status', () => (store.get('bouncer')?.status.kind === 'failed' ? store.get('bouncer')?.status : undefined));
    assert.equal(
      status?.kind === 'failed' ? status.reason : '',
      'PgBouncer refused the login: wrong password, or the user is not in its auth_file (password authentication failed).',
    );
  });

  it('says a user in neither admin_users nor stats_users may not use the console; a stats user may watch', async () => {
    const refused = watch({ ...entry(NOBODY.user), name: 'refused' }, NOBODY.password);
    const status = await waitFor('a failed status', () => (refused.store.get('refused')?.status.kind === 'failed' ? refused.store.get('refused')?.status : undefined));
    assert.equal(status?.kind === 'failed' ? status.reason : '', 'PgBouncer refused the admin console: this user is in neither admin_users nor stats_users (not allowed).');
    const stats = watch({ ...entry(STATS.user), name: 'stats' }, STATS.password);
    const snapshot = await waitFor('the stats user to see the pools', () => stats.store.get('stats')?.snapshot);
    assert.match(snapshot.version, /^PgBouncer /);
    assert.equal(snapshot.settings?.defaultPoolSize, 1);
  });

  it('shows a pooler at max_client_conn as full (the console still lets the monitor in) and names the refusal applications get', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user), (pg as PgServer).password);
    await waitFor('the pooler to be live', () => store.get('bouncer')?.snapshot);
    let refusal: unknown;
    for (let i = 0; i < 9 && refusal === undefined; i++) {
      try {
        await app();
      } catch (error) {
        refusal = error;
      }
    }
    assert.ok(refusal, 'the ninth application client is refused');
    assert.equal(
      describePoolerError(refusal).message,
      'PgBouncer is full: no more connections allowed (max_client_conn). Clients beyond max_client_conn are refused until others leave.',
    );
    await monitor.refresh();
    const health = store.get('bouncer')?.health;
    assert.equal(health?.level, 'critical');
    assert.ok(health?.signs.includes('clientsFull'));
    assert.equal(health?.clients, 8);
    assert.equal(health?.maxClientConn, 8);
    assert.equal(monitor.status.kind, 'live');
  });

  it('shows a PAUSEd database and its waiting client, and the console keeps answering', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user), (pg as PgServer).password);
    await waitFor('the pooler to be live', () => store.get('bouncer')?.snapshot);
    const database = (pg as PgServer).database;
    // Make the pool exist first, then pause it.
    await (await app()).query('SELECT 1');
    await (bouncer as PgBouncer).admin(`PAUSE ${database}`);
    try {
      const waiting = await app();
      const pending = waiting.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 200));
      await monitor.refresh();
      const snapshot = store.get('bouncer')?.snapshot;
      assert.equal(snapshot?.databases.find((d) => d.name === database)?.paused, true);
      const health = store.get('bouncer')?.health;
      assert.ok(health?.pools.find((p) => p.database === database && p.user === APP.user)?.signs.includes('paused'));
      assert.equal(monitor.status.kind, 'live');
      await (bouncer as PgBouncer).admin(`RESUME ${database}`);
      await pending;
      await monitor.refresh();
      assert.equal(store.get('bouncer')?.snapshot?.databases.find((d) => d.name === database)?.paused, false);
    } finally {
      await (bouncer as PgBouncer).admin(`RESUME ${database}`).catch(() => undefined);
    }
  });

  it('does not hang on a SUSPENDed pooler: its connection keeps answering, a new one times out and says so, and it comes back after RESUME', async () => {
    const { monitor, store } = watch(entry((pg as PgServer).user), (pg as PgServer).password, new PoolerStore(), { commandTimeoutMs: 1_000 });
    await waitFor('the pooler to be live', () => store.get('bouncer')?.snapshot);
    const console = new Client({ host: '127.0.0.1', port: (bouncer as PgBouncer).port, user: (pg as PgServer).user, password: (pg as PgServer).password, database: 'pgbouncer' });
    await console.connect();
    try {
      await console.query('SUSPEND');
      assert.ok(await monitor.refresh(), 'the admin connection it holds still answers');
      // A new admin connection is not accepted while suspended: the attempt gives up (connectTimeoutMs 3 s).
      await monitor.stop();
      monitor.start();
      const status = await waitFor('a reconnecting status', () => (monitor.status.kind === 'reconnecting' ? monitor.status : undefined), 10_000);
      assert.equal(status.lastError, 'PgBouncer did not answer in time (is it running, or SUSPENDed?).');
      await console.query('RESUME');
      await waitFor('the pooler to be live again', () => (monitor.status.kind === 'live' && monitor.isConnected ? true : undefined), 20_000);
      // The monitor, the console that suspended it and the probe: the attempts that timed out left nothing behind.
      await waitFor('one monitor connection', async () => ((await consoleClients((pg as PgServer).user)) === 3 ? true : undefined));
    } finally {
      await console.query('RESUME').catch(() => undefined);
      await console.end();
    }
  });
});
