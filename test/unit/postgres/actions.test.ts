import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { cancelQuery, terminateBackend, terminateSessions } from '../../../src/postgres/actions';
import { findIdleSessions } from '../../../src/postgres/idleSessions';
import { MonitorConnection } from '../../../src/postgres/monitorConnection';
import { SnapshotStore } from '../../../src/postgres/store';
import { connectAs, createRole, RoleLogin, waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, PostgresVersion, startPostgres } from '../../support/postgresServer';
import { configFor, secretOnly } from './monitorHelpers';

const VERSIONS: PostgresVersion[] = ['default', '14', '12', 'debian'];

async function startMonitor(server: PgServer, login?: RoleLogin): Promise<MonitorConnection> {
  const monitor = new MonitorConnection({
    name: 'test',
    config: configFor(server, login),
    store: new SnapshotStore(),
    passwords: secretOnly(login?.password ?? server.password),
  });
  monitor.start();
  await waitFor('the monitor to connect', () => monitor.status.kind === 'live' && monitor.isConnected);
  return monitor;
}

async function sessionRef(observer: Client, pid: number): Promise<{ pid: number; backendStart: string }> {
  // Read backend_start as JSON text, exactly as the snapshot carries it (microseconds included).
  const { rows } = await observer.query<{ start: string }>("SELECT to_json(backend_start) #>> '{}' AS start FROM pg_stat_activity WHERE pid = $1", [pid]);
  const start = rows[0]?.start;
  assert.ok(start, `backend ${pid} exists`);
  return { pid, backendStart: start };
}

async function exists(observer: Client, pid: number): Promise<boolean> {
  const { rows } = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
  return rows.length > 0;
}

async function pidOf(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]?.pid ?? 0;
}

for (const version of VERSIONS) {
  describe(`session actions on PostgreSQL ${version}`, function () {
    let server: PgServer | undefined;
    let observer: Client | undefined;
    let monitor: MonitorConnection | undefined;
    const clients: Client[] = [];
    let appUser: RoleLogin;

    const client = async (login: RoleLogin | undefined, app: string): Promise<Client> => {
      const c = await connectAs(server as PgServer, login, app);
      clients.push(c);
      return c;
    };

    before(async function () {
      if (!isVersionAvailable(version)) this.skip();
      server = await startPostgres({ version });
      appUser = await createRole(server, 'app_user');
      observer = await server.connect();
      monitor = await startMonitor(server);
    });

    after(async () => {
      await monitor?.stop();
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await observer?.end().catch(() => undefined);
      await server?.stop();
    });

    it('terminating a session removes it from pg_stat_activity', async () => {
      const victim = await client(appUser, 'victim');
      const ref = await sessionRef(observer as Client, await pidOf(victim));
      const result = await terminateBackend(monitor as MonitorConnection, ref);
      assert.equal(result.kind, 'terminated', result.message);
      assert.equal(await exists(observer as Client, ref.pid), false);
    });

    it('cancelling a pg_sleep(60) ends the query but keeps the session', async () => {
      const sleeper = await client(appUser, 'sleeper');
      const pid = await pidOf(sleeper);
      const sleeping = sleeper.query('SELECT pg_sleep(60)').then(
        () => 'finished',
        (error: { code?: string }) => error.code,
      );
      await waitFor('the sleeper to be active', async () => {
        const { rows } = await (observer as Client).query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
        return rows[0]?.state === 'active';
      });
      const result = await cancelQuery(monitor as MonitorConnection, await sessionRef(observer as Client, pid));
      assert.equal(result.kind, 'signalled', result.message);
      assert.equal(await sleeping, '57014');
      // The client hears the error before the backend reports itself idle again.
      await waitFor('the cancelled session to be idle and still connected', async () => {
        const { rows } = await (observer as Client).query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
        return rows[0]?.state === 'idle';
      });
      assert.equal((await sleeper.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
    });

    it("refuses to signal the monitor's own backend", async () => {
      const m = monitor as MonitorConnection;
      const ownPid = m.monitorPid ?? 0;
      const ref = await sessionRef(observer as Client, ownPid);
      const result = await terminateBackend(m, ref);
      assert.equal(result.kind, 'refused');
      assert.equal(result.kind === 'refused' && result.reason, 'monitor-session');
      // The statement itself also excludes pg_backend_pid(), even when the caller does not know the pid.
      const blind = { query: m.query.bind(m), serverVersionNum: m.serverVersionNum };
      const second = await terminateBackend(blind, ref);
      assert.equal(second.kind === 'refused' && second.reason, 'monitor-session');
      assert.equal(await exists(observer as Client, ownPid), true);
      assert.equal(m.isConnected, true);
    });

    it('refuses background processes such as the checkpointer and the autovacuum launcher', async () => {
      const { rows } = await (observer as Client).query<{ pid: number; backend_type: string }>(
        "SELECT pid, backend_type FROM pg_stat_activity WHERE backend_type IN ('checkpointer', 'autovacuum launcher')",
      );
      assert.equal(rows.length, 2);
      for (const row of rows) {
        const ref = await sessionRef(observer as Client, row.pid);
        const terminated = await terminateBackend(monitor as MonitorConnection, ref);
        assert.equal(terminated.kind === 'refused' && terminated.reason, 'not-client-backend', `${row.backend_type}: ${terminated.message}`);
        const cancelled = await cancelQuery(monitor as MonitorConnection, ref);
        assert.equal(cancelled.kind === 'refused' && cancelled.reason, 'not-client-backend');
        assert.equal(await exists(observer as Client, row.pid), true);
      }
    });

    it('refuses a pid whose backend_start changed (pid reuse)', async () => {
      const target = await client(appUser, 'reused');
      const ref = await sessionRef(observer as Client, await pidOf(target));
      const stale = { pid: ref.pid, backendStart: '2000-01-01T00:00:00.123456+00:00' };
      const result = await terminateBackend(monitor as MonitorConnection, stale);
      assert.equal(result.kind === 'refused' && result.reason, 'backend-changed', result.message);
      assert.equal(await exists(observer as Client, ref.pid), true);
    });

    it('reports a session that already ended', async () => {
      const gone = await client(appUser, 'gone');
      const ref = await sessionRef(observer as Client, await pidOf(gone));
      await gone.end();
      await waitFor('the session to end', async () => !(await exists(observer as Client, ref.pid)));
      const result = await terminateBackend(monitor as MonitorConnection, ref);
      assert.equal(result.kind, 'already-gone');
    });

    it('treats session fields as data, never as SQL', async () => {
      const target = await client(appUser, "x'); SELECT pg_terminate_backend(pg_backend_pid()); --");
      const pid = await pidOf(target);
      const result = await terminateBackend(monitor as MonitorConnection, { pid, backendStart: "2020-01-01'; SELECT 1; --" });
      assert.equal(result.kind, 'failed');
      assert.equal(await exists(observer as Client, pid), true);
      assert.equal((monitor as MonitorConnection).isConnected, true);
    });

    it('a role without pg_signal_backend is told which role it needs', async () => {
      const watcher = await createRole(server as PgServer, 'watcher_no_signal', { grants: ['pg_monitor'] });
      const limited = await startMonitor(server as PgServer, watcher);
      try {
        const target = await client(appUser, 'protected');
        const ref = await sessionRef(observer as Client, await pidOf(target));
        const result = await terminateBackend(limited, ref);
        assert.equal(result.kind, 'not-permitted', result.message);
        assert.equal(result.kind === 'not-permitted' && result.roleNeeded, 'pg_signal_backend');
        assert.match(result.message, /pg_signal_backend/);
        const cancel = await cancelQuery(limited, ref);
        assert.equal(cancel.kind === 'not-permitted' && cancel.roleNeeded, 'pg_signal_backend');
        assert.equal(await exists(observer as Client, ref.pid), true);
      } finally {
        await limited.stop();
      }
    });

    it("pg_signal_backend may terminate other roles' sessions but not a superuser's", async () => {
      const signaller = await createRole(server as PgServer, 'signaller', { grants: ['pg_monitor', 'pg_signal_backend'] });
      const limited = await startMonitor(server as PgServer, signaller);
      try {
        const superuserSession = await client(undefined, 'superuser-session');
        const superRef = await sessionRef(observer as Client, await pidOf(superuserSession));
        const refused = await terminateBackend(limited, superRef);
        assert.equal(refused.kind === 'not-permitted' && refused.roleNeeded, 'superuser', refused.message);
        assert.equal(await exists(observer as Client, superRef.pid), true);

        const appSession = await client(appUser, 'app-session');
        const appRef = await sessionRef(observer as Client, await pidOf(appSession));
        const done = await terminateBackend(limited, appRef);
        assert.equal(done.kind, 'terminated', done.message);
        assert.equal(await exists(observer as Client, appRef.pid), false);
      } finally {
        await limited.stop();
      }
    });

    it("a role without pg_monitor cannot verify other roles' sessions and does not signal them", async () => {
      const plain = await createRole(server as PgServer, 'plain_signaller', { grants: ['pg_signal_backend'] });
      const limited = await startMonitor(server as PgServer, plain);
      try {
        const target = await client(appUser, 'invisible');
        const pid = await pidOf(target);
        const snapshot = await limited.refresh();
        const seen = snapshot?.sessions.find((s) => s.pid === pid);
        assert.equal(seen?.visible, false);
        const result = await terminateBackend(limited, { pid, backendStart: seen?.backendStart ?? null });
        assert.equal(result.kind === 'refused' && result.reason, 'not-visible');
        assert.equal(await exists(observer as Client, pid), true);
      } finally {
        await limited.stop();
      }
    });

    it('terminates exactly the idle sessions chosen in the preview', async () => {
      const idle = [await client(appUser, 'bulk-1'), await client(appUser, 'bulk-2'), await client(appUser, 'bulk-3')];
      const pids = await Promise.all(idle.map(pidOf));
      const inTransaction = await client(appUser, 'bulk-tx');
      await inTransaction.query('BEGIN');
      const txPid = await pidOf(inTransaction);
      const m = monitor as MonitorConnection;
      const snapshot = await waitFor('the bulk sessions in a snapshot', async () => {
        const s = await m.refresh();
        return s && pids.every((p) => s.sessions.some((x) => x.pid === p && x.state === 'idle')) ? s : undefined;
      });
      const preview = findIdleSessions(snapshot, { states: ['idle'], minAgeSeconds: 0 });
      assert.ok(pids.every((p) => preview.some((s) => s.pid === p)));
      assert.ok(!preview.some((s) => s.pid === txPid), 'idle in transaction is not in an idle-only preview');
      assert.ok(!preview.some((s) => s.isMonitor));
      const chosen = preview.filter((s) => s.pid === pids[0] || s.pid === pids[1]);
      const result = await terminateSessions(m, chosen);
      assert.equal(result.requested, 2);
      assert.equal(result.terminated, 2);
      assert.equal(await exists(observer as Client, pids[0] ?? 0), false);
      assert.equal(await exists(observer as Client, pids[1] ?? 0), false);
      assert.equal(await exists(observer as Client, pids[2] ?? 0), true);
      assert.equal(await exists(observer as Client, txPid), true);
    });
  });
}
