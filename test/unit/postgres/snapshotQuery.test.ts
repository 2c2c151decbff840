import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { OpenedClient } from '../../../src/postgres/openClient';
import { Snapshot } from '../../../src/postgres/snapshot';
import { takeSnapshot } from '../../../src/postgres/snapshotQuery';
import { connectAs, createRole, FixtureSessions, openSessionsInEveryState, RoleLogin, waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, PostgresVersion, startPostgres } from '../../support/postgresServer';
import { openMonitorClient } from './monitorHelpers';

const VERSIONS: PostgresVersion[] = ['default', '14', '12', 'debian'];

interface ActivityCounts {
  clientBackends: number;
  byState: Record<string, number>;
}

async function activityCounts(observer: Client): Promise<ActivityCounts> {
  const { rows } = await observer.query<{ state: string | null; n: number }>(
    "SELECT state, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY state",
  );
  const byState: Record<string, number> = {};
  let clientBackends = 0;
  for (const row of rows) {
    byState[row.state ?? 'unknown'] = row.n;
    clientBackends += row.n;
  }
  return { clientBackends, byState };
}

for (const version of VERSIONS) {
  describe(`snapshot query on PostgreSQL ${version}`, function () {
    let server: PgServer | undefined;
    let fixtures: FixtureSessions | undefined;
    let observer: Client | undefined;
    let otherRoleSession: Client | undefined;
    let monitor: OpenedClient | undefined;
    let appUser: RoleLogin;

    before(async function () {
      if (!isVersionAvailable(version)) this.skip();
      server = await startPostgres({ version, maxConnections: 40 });
      appUser = await createRole(server, 'app_user');
      fixtures = await openSessionsInEveryState(server);
      otherRoleSession = await connectAs(server, appUser, 'other-role-app');
      await otherRoleSession.query('SELECT 1');
      observer = await server.connect();
      monitor = await openMonitorClient(server);
    });

    after(async () => {
      await monitor?.client.end().catch(() => undefined);
      await observer?.end().catch(() => undefined);
      await otherRoleSession?.end().catch(() => undefined);
      await fixtures?.close().catch(() => undefined);
      await server?.stop();
    });

    /** A snapshot taken while pg_stat_activity is steady: the same client backend count right before and after. */
    async function steadySnapshot(opened: OpenedClient): Promise<{ snapshot: Snapshot; counts: ActivityCounts }> {
      return waitFor('a steady snapshot', async () => {
        const before = await activityCounts(observer as Client);
        const snapshot = await takeSnapshot(opened.client, 'test', opened.serverVersionNum);
        const after = await activityCounts(observer as Client);
        return before.clientBackends === after.clientBackends ? { snapshot, counts: after } : undefined;
      });
    }

    it('counts every client backend, exactly as pg_stat_activity does', async () => {
      const { snapshot, counts } = await steadySnapshot(monitor as OpenedClient);
      // 6 fixture sessions + another role's session + the observer + the monitor.
      assert.equal(counts.clientBackends, 9);
      assert.equal(snapshot.used, counts.clientBackends);
      assert.equal(snapshot.sessions.length, counts.clientBackends);
      assert.equal(snapshot.hidden, 0);
      // The monitor's own query is 'active'; everything else matches pg_stat_activity's grouping.
      assert.deepEqual(snapshot.byState, counts.byState);
      assert.ok(snapshot.sessions.every((s) => s.backendType === 'client backend'));
    });

    it('reports the monitor session, the settings and the role', async () => {
      const opened = monitor as OpenedClient;
      const snapshot = await takeSnapshot(opened.client, 'test', opened.serverVersionNum);
      const { rows } = await (observer as Client).query<{ max: number; su: number; reserved: string | null; version: number }>(
        "SELECT current_setting('max_connections')::int AS max, current_setting('superuser_reserved_connections')::int AS su, current_setting('reserved_connections', true) AS reserved, current_setting('server_version_num')::int AS version",
      );
      const expected = rows[0];
      assert.ok(expected);
      assert.equal(snapshot.settings.maxConnections, 40);
      assert.equal(snapshot.settings.maxConnections, expected.max);
      assert.equal(snapshot.settings.superuserReservedConnections, expected.su);
      assert.equal(snapshot.settings.reservedConnections, Number(expected.reserved ?? 0));
      assert.equal(snapshot.capacity, expected.max - expected.su - Number(expected.reserved ?? 0));
      assert.equal(snapshot.settings.serverVersionNum, expected.version);
      assert.equal(snapshot.settings.idleSessionTimeout === null, expected.version < 140000, 'idle_session_timeout exists from 14 on');
      assert.equal(snapshot.settings.maxConnectionsPendingRestart, false);
      assert.equal(snapshot.monitorPid, opened.pid);
      const own = snapshot.sessions.filter((s) => s.isMonitor);
      assert.deepEqual(own.map((s) => s.pid), [opened.pid]);
      assert.equal(own[0]?.application, 'pg-health monitor');
      assert.deepEqual(snapshot.role, {
        name: 'postgres',
        isSuperuser: true,
        canReadAllStats: true,
        canSignalBackend: true,
        canUseReservedConnections: expected.version >= 160000,
      });
    });

    it('shows each session in its state with server-measured durations and blocking pids', async () => {
      const f = fixtures as FixtureSessions;
      const opened = monitor as OpenedClient;
      const snapshot = await takeSnapshot(opened.client, 'test', opened.serverVersionNum);
      const byPid = new Map(snapshot.sessions.map((s) => [s.pid, s]));
      const session = (pid: number) => {
        const s = byPid.get(pid);
        assert.ok(s, `session ${pid} is in the snapshot`);
        return s;
      };
      assert.equal(session(f.pids.idle).state, 'idle');
      assert.equal(session(f.pids.idle).transactionSeconds, null);
      const active = session(f.pids.active);
      assert.equal(active.state, 'active');
      assert.match(active.query ?? '', /pg_sleep\(60\)/);
      assert.equal(active.waitEvent, 'PgSleep');
      assert.ok((active.stateSeconds ?? -1) >= 0);
      const inTransaction = session(f.pids.idleInTransaction);
      assert.equal(inTransaction.state, 'idle in transaction');
      assert.ok(inTransaction.transactionSeconds !== null && inTransaction.transactionSeconds >= 0);
      assert.ok(inTransaction.transactionStart !== null);
      assert.equal(session(f.pids.aborted).state, 'idle in transaction (aborted)');
      assert.equal(session(f.pids.holder).state, 'idle in transaction');
      const waiter = session(f.pids.waiter);
      assert.equal(waiter.state, 'active');
      assert.equal(waiter.waitEventType, 'Lock');
      assert.deepEqual(waiter.blockedBy, [f.pids.holder]);
      assert.deepEqual(session(f.pids.holder).blockedBy, []);
      assert.equal(session(f.pids.idle).application, f.applicationNames.idle);
      assert.equal(session(f.pids.idle).clientAddress, '127.0.0.1');
      assert.equal(session(f.pids.idle).user, 'postgres');
      assert.equal(session(f.pids.idle).database, 'postgres');
      // backend_start keeps its microseconds: it must match the server's value exactly.
      const { rows } = await (observer as Client).query<{ same: boolean }>('SELECT backend_start = $2::timestamptz AS same FROM pg_stat_activity WHERE pid = $1', [
        f.pids.idle,
        session(f.pids.idle).backendStart,
      ]);
      assert.equal(rows[0]?.same, true);
    });

    it('counts the sessions a role without pg_monitor may not see as hidden, and does not drop them', async () => {
      const watcher = await createRole(server as PgServer, 'plain_watcher');
      const opened = await openMonitorClient(server as PgServer, watcher);
      try {
        const { snapshot, counts } = await steadySnapshot(opened);
        assert.equal(snapshot.role.canReadAllStats, false);
        assert.equal(snapshot.role.isSuperuser, false);
        // The fixtures, the other role, the observer and the superuser monitor are hidden; only the watcher's own session is not.
        assert.equal(snapshot.used, counts.clientBackends);
        assert.equal(snapshot.hidden, counts.clientBackends - 1);
        assert.equal(snapshot.byState['unknown'], snapshot.hidden);
        const f = fixtures as FixtureSessions;
        for (const pid of Object.values(f.pids)) {
          const s = snapshot.sessions.find((x) => x.pid === pid);
          assert.ok(s, `hidden session ${pid} is counted`);
          assert.equal(s.visible, false);
          assert.equal(s.query, '<insufficient privilege>');
          assert.equal(s.state, null);
          assert.equal(s.backendStart, null);
        }
        const other = snapshot.sessions.find((s) => s.application === 'other-role-app');
        assert.equal(other?.user, 'app_user');
        assert.equal(other?.visible, false);
        const own = snapshot.sessions.find((s) => s.isMonitor);
        assert.equal(own?.visible, true);
        assert.equal(own?.user, 'plain_watcher');
      } finally {
        await opened.client.end();
      }
    });

    it('a role with pg_monitor sees every session', async () => {
      const watcher = await createRole(server as PgServer, 'monitoring_watcher', { grants: ['pg_monitor'] });
      const opened = await openMonitorClient(server as PgServer, watcher);
      try {
        const { snapshot, counts } = await steadySnapshot(opened);
        assert.equal(snapshot.role.canReadAllStats, true);
        assert.equal(snapshot.role.canSignalBackend, false);
        assert.equal(snapshot.hidden, 0);
        assert.equal(snapshot.used, counts.clientBackends);
        assert.equal(snapshot.sessions.find((s) => s.pid === (fixtures as FixtureSessions).pids.active)?.state, 'active');
      } finally {
        await opened.client.end();
      }
    });
  });
}

describe('snapshot capacity on PostgreSQL 18 with reserved_connections', function () {
  let server: PgServer | undefined;

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ version: 'default', maxConnections: 30, settings: { superuser_reserved_connections: 2, reserved_connections: 5 } });
  });

  after(async () => {
    await server?.stop();
  });

  it('capacity = max_connections - superuser_reserved_connections - reserved_connections', async () => {
    const opened = await openMonitorClient(server as PgServer);
    try {
      const snapshot = await takeSnapshot(opened.client, 'test', opened.serverVersionNum);
      assert.equal(snapshot.settings.maxConnections, 30);
      assert.equal(snapshot.settings.superuserReservedConnections, 2);
      assert.equal(snapshot.settings.reservedConnections, 5);
      assert.equal(snapshot.capacity, 23);
    } finally {
      await opened.client.end();
    }
  });

  it('shows a changed max_connections as waiting for a restart', async () => {
    const admin = await (server as PgServer).connect();
    const opened = await openMonitorClient(server as PgServer);
    try {
      await admin.query('ALTER SYSTEM SET max_connections = 60');
      await admin.query('SELECT pg_reload_conf()');
      const snapshot = await waitFor('pending_restart after the reload', async () => {
        const s = await takeSnapshot(opened.client, 'test', opened.serverVersionNum);
        return s.settings.maxConnectionsPendingRestart ? s : undefined;
      });
      // The running value stays until the restart.
      assert.equal(snapshot.settings.maxConnections, 30);
    } finally {
      await admin.query('ALTER SYSTEM RESET max_connections').catch(() => undefined);
      await admin.end();
      await opened.client.end();
    }
  });
});
