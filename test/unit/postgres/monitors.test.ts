import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { ConnectionConfig } from '../../../src/postgres/connectionConfig';
import { MonitorManager } from '../../../src/postgres/monitors';
import { SnapshotStore } from '../../../src/postgres/store';
import { MONITOR_SESSION_FILTER, waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../../support/postgresServer';
import { configFor, secretOnly } from './monitorHelpers';

describe('monitor manager (PostgreSQL 18)', function () {
  let server: PgServer | undefined;
  let observer: Client | undefined;
  let manager: MonitorManager | undefined;
  let store: SnapshotStore;
  let configs: ConnectionConfig[];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ version: 'default' });
    observer = await server.connect();
  });

  beforeEach(function () {
    if (!server) this.skip();
    store = new SnapshotStore();
    const s = server;
    // 50 configured databases; they all point at the same test server under different names.
    configs = Array.from({ length: 50 }, (_, i) => configFor(s, undefined, `db${i}`));
    manager = new MonitorManager({
      store,
      intervalMs: 100,
      idleDisconnectMs: 300,
      passwordsFor: () => secretOnly(s.password),
      monitorOptions: { backoff: { initialMs: 50, maxMs: 400 } },
    });
    manager.configure(configs);
  });

  afterEach(async () => {
    await manager?.dispose();
  });

  after(async () => {
    await observer?.end().catch(() => undefined);
    await server?.stop();
  });

  const monitorSessions = async (): Promise<number> => {
    const { rows } = await (observer as Client).query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${MONITOR_SESSION_FILTER}`);
    return rows[0]?.n ?? -1;
  };
  const historyLength = (name: string): number => store.get(name)?.history.length ?? 0;

  it('with 50 configured, only the leased databases connect and are polled', async () => {
    const m = manager as MonitorManager;
    assert.equal(store.all().length, 50);
    assert.ok(store.all().every((s) => s.status.kind === 'idle'));
    m.lease('db3', 'tree');
    m.lease('db7', 'statusBar');
    await waitFor('two databases polled several times', () => historyLength('db3') >= 3 && historyLength('db7') >= 3);
    assert.equal(await monitorSessions(), 2);
    assert.equal(store.all().filter((s) => s.status.kind !== 'idle').length, 2);
    assert.equal(historyLength('db0'), 0);
    assert.deepEqual(m.leaseReasons('db7'), ['statusBar']);
  });

  it('keeps the connection when a database is leased again within the idle delay', async () => {
    const m = manager as MonitorManager;
    const tree = m.lease('db1', 'tree');
    const dashboard = m.lease('db1', 'dashboard');
    await waitFor('db1 live', () => store.get('db1')?.status.kind === 'live');
    const pid = m.monitor('db1')?.monitorPid;
    tree.dispose();
    dashboard.dispose();
    // Leased again within the idle delay: the same connection is kept.
    m.lease('db1', 'tree again');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(m.monitor('db1')?.monitorPid, pid);
    assert.equal(await monitorSessions(), 1);
    await m.dispose();
    await waitFor('no monitor sessions after dispose', async () => (await monitorSessions()) === 0);
  });

  it('closes the connection when nothing needs it any more', async () => {
    const m = manager as MonitorManager;
    const lease = m.lease('db2', 'tree');
    await waitFor('db2 live', () => store.get('db2')?.status.kind === 'live');
    lease.dispose();
    lease.dispose();
    await waitFor('db2 idle', () => store.get('db2')?.status.kind === 'idle');
    await waitFor('its session gone', async () => (await monitorSessions()) === 0);
    const polled = historyLength('db2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(historyLength('db2'), polled, 'no polling without a lease');
  });

  it('pause stops polling but keeps the connection; resume refreshes at once', async () => {
    const m = manager as MonitorManager;
    m.lease('db4', 'tree');
    await waitFor('db4 polled', () => historyLength('db4') >= 2);
    m.pause();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const paused = historyLength('db4');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(historyLength('db4'), paused, 'no snapshots while paused');
    assert.equal(await monitorSessions(), 1, 'the connection stays while paused');
    m.resume();
    await waitFor('a refresh after resume', () => historyLength('db4') > paused, 1_000);
  });

  it('refresh(name) takes a snapshot on demand; the interval setter applies', async () => {
    const m = manager as MonitorManager;
    m.intervalMs = 60_000;
    m.lease('db5', 'dashboard');
    await waitFor('db5 first snapshot', () => historyLength('db5') >= 1);
    const before = historyLength('db5');
    await m.refresh('db5');
    assert.equal(historyLength('db5'), before + 1);
  });

  it('configure() closes and forgets removed databases and reconnects changed ones', async () => {
    const m = manager as MonitorManager;
    m.lease('db8', 'tree');
    m.lease('db9', 'tree');
    await waitFor('both live', () => store.get('db8')?.status.kind === 'live' && store.get('db9')?.status.kind === 'live');
    const oldPid = m.monitor('db9')?.monitorPid;
    const changed = configs.filter((c) => c.name !== 'db8').map((c) => (c.name === 'db9' ? { ...c, host: 'localhost' } : c));
    m.configure(changed);
    assert.equal(store.get('db8'), undefined);
    assert.equal(m.monitor('db8'), undefined);
    await waitFor('db9 reconnected', () => store.get('db9')?.status.kind === 'live' && m.monitor('db9')?.monitorPid !== oldPid);
    await waitFor('one monitor session (db9 only)', async () => (await monitorSessions()) === 1);
  });
});
