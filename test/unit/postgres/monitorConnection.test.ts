import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import { ConnectionConfig } from '../../../src/postgres/connectionConfig';
import { PasswordSources } from '../../../src/postgres/connectionOptions';
import { MonitorConnection } from '../../../src/postgres/monitorConnection';
import { MonitorStatus } from '../../../src/postgres/snapshot';
import { SnapshotStore } from '../../../src/postgres/store';
import { connectAs, createRole, MONITOR_SESSION_FILTER, waitFor } from '../../support/pgSessions';
import { freePort, isVersionAvailable, PgServer, PostgresVersion, startPostgres } from '../../support/postgresServer';
import { configFor, secretOnly } from './monitorHelpers';

const FAST_BACKOFF = { initialMs: 50, maxMs: 400 };

function newMonitor(config: ConnectionConfig, passwords: PasswordSources, store = new SnapshotStore()): MonitorConnection {
  return new MonitorConnection({ name: config.name, config, store, passwords, backoff: FAST_BACKOFF, connectTimeoutMs: 3_000 });
}

async function monitorSessions(observer: Client): Promise<number[]> {
  const { rows } = await observer.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE ${MONITOR_SESSION_FILTER} ORDER BY pid`);
  return rows.map((r) => r.pid);
}

async function waitLive(monitor: MonitorConnection): Promise<void> {
  await waitFor(`the monitor to be live (status ${JSON.stringify(monitor.status)})`, () => monitor.status.kind === 'live' && monitor.isConnected);
}

for (const version of ['default', '12', 'debian'] as PostgresVersion[]) {
  describe(`monitor connection on PostgreSQL ${version}`, function () {
    let server: PgServer | undefined;
    let monitor: MonitorConnection | undefined;
    let store: SnapshotStore;

    before(async function () {
      if (!isVersionAvailable(version)) this.skip();
      server = await startPostgres({ version });
    });

    beforeEach(function () {
      if (!server) this.skip();
      store = new SnapshotStore();
    });

    afterEach(async () => {
      await monitor?.stop();
      monitor = undefined;
    });

    after(async () => {
      await server?.stop();
    });

    const observe = async <T>(work: (observer: Client) => Promise<T>): Promise<T> => {
      // A fresh observer each time: restarts would break a long-lived one.
      const observer = await (server as PgServer).connect();
      try {
        return await work(observer);
      } finally {
        await observer.end().catch(() => undefined);
      }
    };

    it('connects, stores a snapshot and shows as live', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      const state = await waitFor('a snapshot in the store', () => store.get('test')?.snapshot);
      assert.equal(state.monitorPid, monitor.monitorPid);
      assert.deepEqual(await observe(monitorSessions), [monitor.monitorPid]);
    });

    it('skips a refresh that overlaps the running one instead of queueing it', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      const first = monitor.refresh();
      const second = monitor.refresh();
      assert.equal(first, second);
      assert.ok(await first);
    });

    it('reconnects after its backend is terminated from outside, with exactly one monitor session', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      const seenStatuses: MonitorStatus['kind'][] = [];
      store.onDidChange(() => seenStatuses.push(store.get('test')?.status.kind ?? 'idle'));
      for (let round = 0; round < 3; round++) {
        const oldPid = monitor.monitorPid;
        await observe((o) => o.query('SELECT pg_terminate_backend($1)', [oldPid]));
        // Refreshes racing the reconnect must not open a second connection.
        for (let i = 0; i < 5; i++) void monitor.refresh();
        await waitFor('a new monitor backend', () => monitor?.isConnected && monitor.monitorPid !== oldPid && monitor.status.kind === 'live');
        const pids = await waitFor('one monitor session in pg_stat_activity', async () => {
          const found = await observe(monitorSessions);
          return found.length === 1 ? found : undefined;
        });
        assert.deepEqual(pids, [monitor.monitorPid]);
      }
      assert.ok(seenStatuses.includes('reconnecting'), `statuses seen: ${seenStatuses.join(', ')}`);
      const snapshot = await monitor.refresh();
      assert.equal(snapshot?.monitorPid, monitor.monitorPid);
    });

    it('reconnects after an immediate and a fast restart of the server', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      for (const mode of ['immediate', 'fast'] as const) {
        const oldPid = monitor.monitorPid;
        await s.restart(mode);
        await waitFor(`the monitor to come back after a ${mode} restart`, async () => {
          await monitor?.refresh();
          return monitor?.status.kind === 'live' && monitor.monitorPid !== oldPid;
        }, 30_000);
        const pids = await waitFor('one monitor session', async () => {
          const found = await observe(monitorSessions);
          return found.length === 1 ? found : undefined;
        });
        assert.deepEqual(pids, [monitor.monitorPid]);
      }
    });

    it('start, stop and retry in quick succession leave exactly one connection', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      const m = monitor;
      for (let i = 0; i < 10; i++) {
        m.start();
        void m.stop();
        m.start();
        m.retry();
        void m.refresh();
      }
      await waitLive(m);
      await waitFor('exactly the live monitor session', async () => {
        const pids = await observe(monitorSessions);
        return pids.length === 1 && pids[0] === m.monitorPid;
      });
      // Nothing late shows up: closed attempts stay closed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(await observe(monitorSessions), [m.monitorPid]);
    });

    it('stops: the monitor session leaves pg_stat_activity and the status is idle', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      await monitor.stop();
      assert.equal(store.get('test')?.status.kind, 'idle');
      await waitFor('no monitor session', async () => (await observe(monitorSessions)).length === 0);
    });

    it('a wrong password fails with "wrong password" and does not retry until asked', async () => {
      const s = server as PgServer;
      let password = 'not-the-password';
      monitor = newMonitor(configFor(s), { secretPassword: () => password, env: {}, homedir: '/nonexistent-home' }, store);
      monitor.start();
      const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
      assert.match(status.reason, /wrong password/i);
      assert.ok(!status.reason.includes(password));
      assert.equal(store.get('test')?.status.kind, 'failed');
      // No hammering: with a 50 ms backoff a retry loop would have tried many times by now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(monitor.status.kind, 'failed');
      // After the user fixes the password, a manual retry connects.
      password = s.password;
      monitor.retry();
      await waitLive(monitor);
    });

    it('a missing database fails with "database missing"', async () => {
      const s = server as PgServer;
      monitor = newMonitor({ ...configFor(s), database: 'no_such_db' }, secretOnly(s.password), store);
      monitor.start();
      const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
      assert.match(status.reason, /database missing/i);
    });

    it('ssl "prefer" falls back to a plain connection on a server without TLS; "require" fails saying so', async () => {
      const s = server as PgServer;
      monitor = newMonitor({ ...configFor(s), ssl: 'prefer' }, secretOnly(s.password), store);
      monitor.start();
      await waitLive(monitor);
      await monitor.stop();
      monitor = newMonitor({ ...configFor(s), ssl: 'require' }, secretOnly(s.password), store);
      monitor.start();
      const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
      assert.match(status.reason, /does not support TLS/);
    });

    it('a missing password says where passwords come from', async () => {
      const s = server as PgServer;
      monitor = newMonitor(configFor(s), secretOnly(undefined), store);
      monitor.start();
      const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
      assert.match(status.reason, /No password/);
      assert.match(status.reason, /pgpass/);
    });
  });
}

describe('monitor connection without a server', () => {
  let monitor: MonitorConnection | undefined;

  afterEach(async () => {
    await monitor?.stop();
  });

  it('a closed port keeps reconnecting with "not reachable" and growing attempts', async () => {
    const port = await freePort();
    const store = new SnapshotStore();
    monitor = newMonitor({ name: 'closed', host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ssl: 'disable' }, secretOnly('x'), store);
    monitor.start();
    const status = await waitFor('a third attempt', () => (monitor?.status.kind === 'reconnecting' && monitor.status.attempt >= 3 ? monitor.status : undefined));
    assert.match(status.lastError, /not reachable/i);
    assert.ok(status.nextRetryMs >= 0 && status.nextRetryMs <= FAST_BACKOFF.maxMs);
    assert.equal(store.get('closed')?.status.kind, 'reconnecting');
  });

  it('a malformed connection string fails at once with a message that does not echo it', async () => {
    monitor = newMonitor({ name: 'bad', connectionString: 'postgresql://me:s3cret@host:99999/db' }, {}, new SnapshotStore());
    monitor.start();
    const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
    assert.match(status.reason, /port/);
    assert.ok(!status.reason.includes('s3cret'));
  });

  it('a CA file that does not exist fails with a clear message', async () => {
    monitor = newMonitor({ name: 'ca', host: '127.0.0.1', port: 5432, ssl: 'verify-full', sslRootCert: '/nonexistent/root.crt' }, {}, new SnapshotStore());
    monitor.start();
    const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
    assert.match(status.reason, /CA file .*\/nonexistent\/root\.crt does not exist/);
  });
});

describe('monitor connection on a full server (PostgreSQL 18)', function () {
  let server: PgServer | undefined;
  let monitor: MonitorConnection | undefined;
  const hogs: Client[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ version: 'default', maxConnections: 10 });
  });

  after(async () => {
    await monitor?.stop();
    await Promise.all(hogs.map((c) => c.end().catch(() => undefined)));
    await server?.stop();
  });

  it('the connected monitor keeps producing snapshots that show the server full', async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    monitor = newMonitor(configFor(s), secretOnly(s.password), store);
    monitor.start();
    await waitLive(monitor);
    const app = await createRole(s, 'hog');
    // Ordinary roles take every slot they may, superusers the reserved rest.
    for (;;) {
      try {
        hogs.push(await connectAs(s, app, 'hog'));
      } catch {
        break;
      }
    }
    for (;;) {
      try {
        hogs.push(await connectAs(s, undefined, 'superuser-hog'));
      } catch (error) {
        assert.equal((error as { code?: string }).code, '53300');
        break;
      }
    }
    const snapshot = await waitFor('a snapshot showing every slot taken', async () => {
      const taken = await monitor?.refresh();
      return taken && taken.used === 10 ? taken : undefined;
    });
    assert.equal(snapshot.settings.maxConnections, 10);
    assert.equal(snapshot.capacity, 7);
    assert.ok(snapshot.used >= snapshot.capacity);
    assert.equal(store.get('test')?.status.kind, 'live');
    // A second refresh still works: the monitor never gave its slot away.
    assert.equal((await monitor.refresh())?.used, 10);
  });

  it('a monitor that cannot get a slot reports "too many clients" and connects once one frees up', async () => {
    const s = server as PgServer;
    // Give the running monitor's slot away, so the server is full without any monitor.
    await monitor?.stop();
    monitor = undefined;
    const taker = await waitFor('a client to take the freed slot', async () => {
      try {
        return await connectAs(s, undefined, 'slot-taker');
      } catch {
        return undefined;
      }
    });
    hogs.push(taker);
    const store = new SnapshotStore();
    const late = newMonitor(configFor(s), secretOnly(s.password), store);
    monitor = late;
    late.start();
    const status = await waitFor('"too many clients"', () => (late.status.kind === 'reconnecting' && late.status.attempt >= 2 ? late.status : undefined));
    assert.match(status.lastError, /too many clients/i);
    // Free one slot: the monitor comes back by itself and sees the server full again (with itself).
    await hogs.pop()?.end();
    await waitLive(late);
    const snapshot = await waitFor('a snapshot', () => store.get('test')?.snapshot);
    assert.equal(snapshot.used, 10);
  });
});

describe('a monitoring role with pg_use_reserved_connections (PostgreSQL 18)', function () {
  let server: PgServer | undefined;
  let monitor: MonitorConnection | undefined;
  const hogs: Client[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ version: 'default', maxConnections: 12, settings: { superuser_reserved_connections: 2, reserved_connections: 3 } });
  });

  after(async () => {
    await monitor?.stop();
    await Promise.all(hogs.map((c) => c.end().catch(() => undefined)));
    await server?.stop();
  });

  it('connects while ordinary roles are refused, and says so in its role', async () => {
    const s = server as PgServer;
    const app = await createRole(s, 'app');
    const watcher = await createRole(s, 'watcher', { grants: ['pg_monitor', 'pg_use_reserved_connections'] });
    let refusal: { code?: string; message?: string } | undefined;
    for (;;) {
      try {
        hogs.push(await connectAs(s, app, 'app'));
      } catch (error) {
        refusal = error as { code?: string; message?: string };
        break;
      }
    }
    assert.equal(hogs.length, 7);
    assert.equal(refusal?.code, '53300');
    const store = new SnapshotStore();
    monitor = newMonitor(configFor(s, watcher), secretOnly(watcher.password), store);
    monitor.start();
    await waitLive(monitor);
    const snapshot = await waitFor('a snapshot', () => store.get('test')?.snapshot);
    assert.equal(snapshot.capacity, 7);
    assert.equal(snapshot.used, 8);
    assert.equal(snapshot.role.canUseReservedConnections, true);
  });
});

describe('a server that only accepts TLS connections (PostgreSQL 18)', function () {
  let server: PgServer | undefined;
  let monitor: MonitorConnection | undefined;

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ version: 'default' });
    const admin = await server.connect();
    try {
      // Only hostssl lines: a plain TCP connection finds no pg_hba.conf entry ("no encryption").
      const hba = path.join(server.dataDir, 'pg_hba.conf');
      fs.writeFileSync(hba, 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await admin.end();
    }
  });

  after(async () => {
    await monitor?.stop();
    await server?.stop();
  });

  it('ssl "disable" fails saying that TLS is required', async () => {
    const s = server as PgServer;
    monitor = newMonitor(configFor(s), secretOnly(s.password));
    monitor.start();
    const status = await waitFor('failed', () => (monitor?.status.kind === 'failed' ? monitor.status : undefined));
    assert.match(status.reason, /only accepts TLS/);
  });
});
