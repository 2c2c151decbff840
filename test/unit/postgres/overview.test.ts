import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { ConnectionConfig } from '../../../src/postgres/connectionConfig';
import { glanceOf } from '../../../src/postgres/glance';
import { MonitorManager } from '../../../src/postgres/monitors';
import { OverviewPoller } from '../../../src/postgres/overview';
import { Overview, SnapshotStore } from '../../../src/postgres/store';
import { createRole, waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../../support/postgresServer';
import { secretOnly } from './monitorHelpers';

// Twenty databases at a glance: fifteen databases on one server, two on ports where nothing listens,
// one that does not exist and one whose role has the wrong password. The server logs every connection,
// so the tests count exactly how many connections each overview cycle opens.
describe('overview of many databases (PostgreSQL 18)', function () {
  let server: PgServer | undefined;
  let observer: Client | undefined;
  const connections: string[] = [];
  const clients: Client[] = [];
  let password = '';

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({
      version: 'default',
      settings: { log_connections: 'on' },
      onLog: (line) => {
        const m = /connection authorized: user=(\S+) database=(\S+)/.exec(line);
        if (m) connections.push(`${m[1]}/${m[2]}`);
      },
    });
    password = server.password;
    observer = await server.connect();
    for (let i = 0; i < 15; i++) await observer.query(`CREATE DATABASE fleet_${String(i).padStart(2, '0')}`);
    await observer.query('CREATE DATABASE locked');
    await observer.query('REVOKE CONNECT ON DATABASE locked FROM PUBLIC');
    await createRole(server, 'other_role');
    // Sessions on three of the databases: 3, 2 and 1.
    const { Client: PgClient } = await import('pg');
    for (const [db, n] of [['fleet_03', 3], ['fleet_07', 2], ['fleet_11', 1]] as const) {
      for (let k = 0; k < n; k++) {
        const c = new PgClient({ host: server.host, port: server.port, user: server.user, password, database: db });
        await c.connect();
        clients.push(c);
      }
    }
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await observer?.end().catch(() => undefined);
    await server?.stop();
  });

  const fleet = (s: PgServer): ConnectionConfig[] => [
    ...Array.from({ length: 15 }, (_, i) => {
      const db = `fleet_${String(i).padStart(2, '0')}`;
      return { name: db, host: s.host, port: s.port, user: s.user, database: db, ssl: 'disable' as const };
    }),
    { name: 'down-1', host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres', ssl: 'disable' },
    { name: 'down-2', host: '127.0.0.1', port: 2, user: 'postgres', database: 'postgres', ssl: 'disable' },
    { name: 'missing', host: s.host, port: s.port, user: s.user, database: 'no_such_db', ssl: 'disable' },
  ];

  const serverCounts = async (): Promise<{ used: number; byDb: Map<string, number> }> => {
    const { rows } = await (observer as Client).query<{ datname: string; n: number }>(
      "SELECT datname, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY datname",
    );
    return { used: rows.reduce((a, r) => a + r.n, 0), byDb: new Map(rows.map((r) => [r.datname, r.n])) };
  };

  const usage = (store: SnapshotStore, name: string): Extract<Overview, { kind: 'usage' }> => {
    const o = store.get(name)?.overview;
    assert.equal(o?.kind, 'usage', `${name}: ${JSON.stringify(o)}`);
    return o as Extract<Overview, { kind: 'usage' }>;
  };
  const error = (store: SnapshotStore, name: string): string => {
    const o = store.get(name)?.overview;
    assert.equal(o?.kind, 'error', `${name}: ${JSON.stringify(o)}`);
    return (o as Extract<Overview, { kind: 'error' }>).message;
  };

  it('gives every database its number or its error: each connects once with its own settings, then one short connection per server', async () => {
    const s = server as PgServer;
    const second = new SnapshotStore();
    const again = new OverviewPoller({ store: second, intervalMs: 60_000, isHeld: () => false, passwordsFor: () => secretOnly(password), env: {} });
    const first = connections.length;
    again.configure(fleet(s));
    await waitFor('the first cycle', () => second.get('fleet_14')?.overview && second.get('missing')?.overview);
    await new Promise((r) => setTimeout(r, 200));
    // The first cycle: every entry once with its own settings (the missing database is refused, and is
    // tried again on every cycle). After that, one connection for the fifteen per cycle.
    const fleetOnly = (list: string[]): string[] => list.filter((c) => c.startsWith('postgres/fleet_'));
    assert.equal(fleetOnly(connections.slice(first)).length, 15, `first cycle: ${connections.slice(first).join(', ')}`);
    const before = connections.length;
    await again.refreshNow();
    const expected = await serverCounts();
    await again.dispose();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fleetOnly(connections.slice(before)).length, 1, `connections opened by one cycle: ${connections.slice(before).join(', ')}`);

    for (let i = 0; i < 15; i++) {
      const db = `fleet_${String(i).padStart(2, '0')}`;
      const o = usage(second, db);
      assert.equal(o.server, `127.0.0.1:${s.port}`);
      assert.equal(o.source, 'probe');
      assert.equal(o.capacity, 97);
      // The server count includes the probe itself (it was connected when it looked).
      assert.equal(o.used, expected.used + 1, `${db}: used`);
      // fleet_00 sorts first: the probe connects there, but is nobody's session on it.
      assert.equal(o.databaseSessions, expected.byDb.get(db) ?? 0, `${db}: its own sessions`);
    }
    assert.equal(usage(second, 'fleet_03').databaseSessions, 3);
    assert.equal(usage(second, 'fleet_07').databaseSessions, 2);
    assert.deepEqual(usage(second, 'fleet_07').byState, { idle: 2 });
    assert.match(error(second, 'down-1'), /Server not reachable: connection refused/);
    assert.match(error(second, 'down-2'), /Server not reachable/);
    assert.match(error(second, 'missing'), /database "no_such_db" does not exist/);
    // Nothing is left connected.
    await waitFor('the probe gone', async () => (await serverCounts()).used === expected.used);
  });

  it('opens no connection where a database of the same server is held, and reads the others off its snapshot', async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    const manager = new MonitorManager({ store, intervalMs: 200, passwordsFor: () => secretOnly(password) });
    const configs = fleet(s).slice(0, 15);
    manager.configure(configs);
    const lease = manager.lease('fleet_05', 'tree');
    await waitFor('fleet_05 live', () => store.get('fleet_05')?.status.kind === 'live');
    const poller = new OverviewPoller({
      store,
      intervalMs: 60_000,
      isHeld: (n) => manager.isHeld(n),
      heldRunner: (n) => manager.monitor(n),
      passwordsFor: () => secretOnly(password),
      env: {},
    });
    poller.configure(configs);
    await poller.refreshNow();
    // Each of the other fourteen connects once with its own settings; from then on, none does.
    const before = connections.length;
    await poller.refreshNow();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(connections.slice(before), [], 'no connection besides the held one');
    const o = usage(store, 'fleet_03');
    assert.equal(o.source, 'held');
    assert.equal(o.heldBy, 'fleet_05');
    assert.equal(o.databaseSessions, 3);
    assert.equal(store.get('fleet_05')?.overview, undefined, 'the held database keeps its own numbers');
    // What the views show: the held one live, the others from the overview, with the same server numbers.
    const held = glanceOf(store.get('fleet_05'), 'fleet_05');
    const other = glanceOf(store.get('fleet_03'), 'fleet_03');
    assert.equal(held.kind === 'usage' && held.held, true);
    assert.equal(other.kind === 'usage' && !other.held && other.heldBy === 'fleet_05', true);
    // Between looks, every refresh of the held monitor gives the others their numbers, with no connection.
    const before2 = connections.length;
    const { Client: PgClient } = await import('pg');
    const late = new PgClient({ host: s.host, port: s.port, user: s.user, password, database: 'fleet_12' });
    await late.connect();
    try {
      await waitFor('fleet_12 to count the new session off the held refresh', () => usage(store, 'fleet_12').databaseSessions === 1);
      assert.deepEqual(connections.slice(before2 + 1), [], 'no connection besides the new session');
    } finally {
      await late.end();
    }
    lease.dispose();
    await poller.dispose();
    await manager.dispose();
  });

  it('tries the next database when the first one is refused, and says which one and why', async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    // 'a-locked' sorts first: its probe is refused (no CONNECT), so the poller moves on to the next.
    const configs: ConnectionConfig[] = [
      { name: 'a-locked', host: s.host, port: s.port, user: 'other_role', database: 'locked', ssl: 'disable' },
      { name: 'b-other', host: s.host, port: s.port, user: 'other_role', database: 'fleet_01', ssl: 'disable' },
      { name: 'c-wrong-password', host: s.host, port: s.port, user: s.user, database: 'fleet_02', ssl: 'disable' },
      // Same server, role and database as a working entry, but asking for TLS, which this server lacks.
      { name: 'd-tls', host: s.host, port: s.port, user: s.user, database: 'fleet_04', ssl: 'require' },
      { name: 'e-fine', host: s.host, port: s.port, user: s.user, database: 'fleet_04', ssl: 'disable' },
    ];
    const poller = new OverviewPoller({
      store,
      intervalMs: 60_000,
      isHeld: () => false,
      passwordsFor: (c) => secretOnly(c.name === 'c-wrong-password' ? 'not-the-password' : c.user === 'other_role' ? 'pw-other_role' : password),
      env: {},
    });
    poller.configure(configs);
    await poller.refreshNow();
    await poller.refreshNow();
    await poller.dispose();
    assert.match(error(store, 'a-locked'), /permission denied|may not connect to database "locked"/i);
    assert.equal(usage(store, 'b-other').capacity, 97);
    assert.match(error(store, 'c-wrong-password'), /Wrong password/);
    // A neighbour's numbers never hide an entry's own failure: it keeps failing, cycle after cycle.
    assert.match(error(store, 'd-tls'), /TLS/);
    assert.equal(usage(store, 'e-fine').capacity, 97);
  });
});
