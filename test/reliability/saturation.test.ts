// Scenario 1 — a full server. The monitor is connected before the server fills up (a monitor that
// had to connect now would get 53300 like everyone else): the store keeps getting snapshots that show
// the server full, Terminate Idle Sessions frees slots, and a new client gets in afterwards. On
// PostgreSQL 16+ a role with pg_use_reserved_connections can even reconnect while ordinary clients
// are refused.
import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { terminateSessions } from '../../src/postgres/actions';
import { ConnectionConfig } from '../../src/postgres/connectionConfig';
import { describeError } from '../../src/postgres/errors';
import { findIdleSessions } from '../../src/postgres/idleSessions';
import { MonitorManager } from '../../src/postgres/monitors';
import { SnapshotStore } from '../../src/postgres/store';
import { waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { APP_PASSWORD, capture, captureStore, MONITOR_PASSWORD, report } from './support/evidence';
import { extensionLog } from './support/extensionLog';
import { closeAll, connectClient, createLoginRole, monitorBackends } from './support/roles';

const SCENARIO = '1 saturation';

function monitorConfig(server: PgServer, user: string, name: string): ConnectionConfig {
  return { name, host: server.host, port: server.port, database: server.database, user, ssl: 'disable' };
}

/** Opens clients of `login` until the server refuses one; returns them and the refusal. */
async function fillServer(server: PgServer, login: { user: string; password: string }, prefix: string, limit = 40): Promise<{ clients: Client[]; refusal: unknown }> {
  const clients: Client[] = [];
  for (let i = 0; i < limit; i++) {
    try {
      clients.push(await connectClient(server, login, `${prefix}-${i}`));
    } catch (refusal) {
      return { clients, refusal };
    }
  }
  throw new Error(`the server accepted ${limit} clients; it was expected to fill up`);
}

describe('reliability 1: saturation (max_connections = 20)', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  let manager: MonitorManager | undefined;
  const clients: Client[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ maxConnections: 20, settings: { reserved_connections: 2 } });
  });

  afterEach(async () => {
    await manager?.dispose();
    manager = undefined;
    await closeAll(clients);
  });

  after(async () => {
    await server?.stop();
  });

  it('keeps refreshing a full server, Terminate Idle Sessions frees slots and a new client connects', async () => {
    const s = server as PgServer;
    const watcher = await createLoginRole(s, 'sat_watcher', MONITOR_PASSWORD, ['pg_monitor', 'pg_signal_backend']);
    const app = await createLoginRole(s, 'sat_app', APP_PASSWORD);
    const store = new SnapshotStore();
    captureStore(store, SCENARIO);
    const log = extensionLog(SCENARIO);
    manager = new MonitorManager({ store, intervalMs: 100, passwordsFor: () => ({ secretPassword: () => watcher.password, env: {}, homedir: '/nonexistent' }), log });
    manager.configure([monitorConfig(s, watcher.user, 'full')]);
    // The tree, the dashboard and the status bar each hold a lease, as in the extension.
    for (const reason of ['tree', 'dashboard', 'statusBar']) manager.lease('full', reason);
    const first = await waitFor('the first snapshot', () => store.get('full')?.snapshot);
    assert.equal(first.capacity, 15, 'max_connections 20 - 3 superuser-reserved - 2 reserved');

    const { clients: filled, refusal } = await fillServer(s, app, 'sat-app');
    clients.push(...filled);
    const refused = describeError(refusal);
    capture('message', refused.message);
    assert.equal(refused.kind, 'too-many-clients');
    assert.match(refused.message, /Too many clients/);

    // The interval keeps polling; the store fills with snapshots that show the server full.
    const historyAtFull = store.get('full')?.history.length ?? 0;
    await waitFor('five more snapshots while full', () => (store.get('full')?.history.length ?? 0) >= historyAtFull + 5);
    const full = store.get('full');
    assert.ok(full?.snapshot);
    assert.equal(full.status.kind, 'live');
    assert.equal(full.snapshot.used, full.snapshot.capacity, 'used = capacity');
    const payload = buildDashboardPayload(full);
    capture('dashboardPayload', JSON.stringify(payload));
    assert.equal(payload.live?.usage.level, 'critical');
    assert.equal(payload.live?.usage.used, 15);

    // Terminate Idle Sessions…: preview the idle application sessions, terminate five of them.
    const preview = findIdleSessions(full.snapshot, { states: ['idle'], minAgeSeconds: 0 }).filter((x) => x.user === app.user);
    assert.equal(preview.length, filled.length);
    assert.ok(!preview.some((x) => x.isMonitor));
    const chosen = preview.slice(0, 5);
    const monitor = manager.monitor('full');
    assert.ok(monitor);
    const result = await terminateSessions(monitor, chosen);
    for (const r of result.results) capture('actionResult', r.message);
    assert.equal(result.terminated, 5, JSON.stringify(result.results));
    await manager.refresh('full');
    assert.equal(store.get('full')?.snapshot?.used, 10);

    const newcomer = await connectClient(s, app, 'sat-newcomer');
    clients.push(newcomer);
    assert.equal((await newcomer.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
    assert.deepEqual(await monitorBackends(s), [monitor.monitorPid]);
    report(SCENARIO, 'capacity (max_connections 20, 3 superuser-reserved, 2 reserved)', 15);
    report(SCENARIO, 'application clients until 53300', filled.length);
    report(SCENARIO, 'snapshots stored while full', (store.get('full')?.history.length ?? 0) - historyAtFull);
    report(SCENARIO, 'slots freed by Terminate Idle Sessions', result.terminated);
  });

  it('PG18 reserved_connections: a monitor role with pg_use_reserved_connections reconnects while the server is full', async () => {
    const s = server as PgServer;
    const watcher = await createLoginRole(s, 'res_watcher', MONITOR_PASSWORD, ['pg_monitor', 'pg_use_reserved_connections']);
    const plain = await createLoginRole(s, 'res_plain', MONITOR_PASSWORD, ['pg_monitor']);
    const app = await createLoginRole(s, 'res_app', APP_PASSWORD);
    const store = new SnapshotStore();
    captureStore(store, SCENARIO);
    const log = extensionLog(SCENARIO);
    const passwords = { secretPassword: () => MONITOR_PASSWORD, env: {}, homedir: '/nonexistent' };
    manager = new MonitorManager({
      store,
      intervalMs: 100,
      passwordsFor: () => passwords,
      // A fixed, slow first retry: the application takes the freed slot before the monitor comes back.
      monitorOptions: { backoff: { initialMs: 1_000, maxMs: 2_000, random: () => 0.8 } },
      log,
    });
    manager.configure([monitorConfig(s, watcher.user, 'reserved'), monitorConfig(s, plain.user, 'plain')]);
    manager.lease('reserved', 'tree');
    const before = await waitFor('the reserved-role monitor live', () => store.get('reserved')?.snapshot);
    assert.equal(before.role.canUseReservedConnections, true);

    const { clients: filled } = await fillServer(s, app, 'res-app');
    clients.push(...filled);
    // Terminated from outside; the application takes the freed slot at once.
    const oldPid = manager.monitor('reserved')?.monitorPid;
    const started = Date.now();
    await s.connect().then(async (admin) => {
      await admin.query('SELECT pg_terminate_backend($1)', [oldPid]);
      await admin.end();
    });
    clients.push(await waitFor('an application client in the freed slot', () => connectClient(s, app, 'res-app-late').catch(() => undefined), 5_000));
    await assert.rejects(connectClient(s, app, 'res-app-refused'), (e: unknown) => describeError(e).kind === 'too-many-clients');
    await waitFor('the monitor back through a reserved slot', () => {
      const m = manager?.monitor('reserved');
      return m?.isConnected && m.monitorPid !== oldPid && store.get('reserved')?.status.kind === 'live';
    });
    const reconnectMs = Date.now() - started;
    await manager.refresh('reserved');
    const after = store.get('reserved')?.snapshot;
    assert.ok(after && after.used > after.capacity, `used ${after?.used} > capacity ${after?.capacity}: the monitor sits in a reserved slot`);

    // A monitor role without pg_use_reserved_connections cannot get in, and says so in words.
    manager.lease('plain', 'tree');
    const waiting = await waitFor('the plain-role monitor refused', () => {
      const status = store.get('plain')?.status;
      return status?.kind === 'reconnecting' ? status : undefined;
    });
    assert.match(waiting.lastError, /Too many clients: the remaining connection slots are reserved/);
    assert.equal(store.get('plain')?.snapshot, undefined);
    assert.deepEqual(await monitorBackends(s), [manager.monitor('reserved')?.monitorPid]);
    report(SCENARIO, 'PG18 reserved-role monitor reconnect while full (ms)', reconnectMs);
    report(SCENARIO, 'PG18 plain-role monitor while full', waiting.lastError);
  });
});
