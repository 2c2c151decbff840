// The monitor changes nothing beyond its own transactions, and says when a pooler is in front.
// Real servers: embedded PostgreSQL 18 (and 12, whose statement_timeout covered a whole
// multi-statement query), Debian's PgBouncer in front where it is installed.
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { resolveConnection } from '../../../src/postgres/connectionOptions';
import { MonitorConnection } from '../../../src/postgres/monitorConnection';
import { openClient } from '../../../src/postgres/openClient';
import { detectPooler, poolerAdvice, poolerFromBackendChange } from '../../../src/postgres/pooler';
import { SnapshotStore } from '../../../src/postgres/store';
import { transactionSettingsSql } from '../../../src/postgres/transactionSettings';
import { isPgBouncerAvailable, startPgBouncer } from '../../support/pgBouncer';
import { MONITOR_SESSION_FILTER, waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, PostgresVersion, startPostgres } from '../../support/postgresServer';
import { configFor, secretOnly } from './monitorHelpers';

describe('pooler detection', () => {
  const server = { serverAddress: '10.0.0.5', serverPort: 5432 };
  const endpoints = { ...server, viaPort: 6432 };

  it('takes a connection whose announced pid is the backend and whose port the server sees as direct', () => {
    assert.equal(detectPooler({ announcedPid: 4242, localPort: 50000, remotePort: 6432 }, { pid: 4242, clientPort: 50000, ...server }), undefined);
    assert.equal(detectPooler({ announcedPid: 4242, localPort: null, remotePort: null }, { pid: 4242, clientPort: null, ...server }), undefined, 'a Unix socket');
  });

  it('sees a pooler in a made-up pid, in another client port, and in a backend that changes', () => {
    assert.match(detectPooler({ announcedPid: -123456, localPort: 50000, remotePort: 6432 }, { pid: 4242, clientPort: 41000, ...server })?.evidence ?? '', /announced process -123456.*backend 4242/);
    assert.match(detectPooler({ announcedPid: 4242, localPort: 50000, remotePort: 6432 }, { pid: 4242, clientPort: 41000, ...server })?.evidence ?? '', /port 41000.*port 50000/);
    assert.match(poolerFromBackendChange(4242, 4243, endpoints)?.evidence ?? '', /different backends \(4242, then 4243\)/);
    assert.equal(poolerFromBackendChange(4242, 4242, endpoints), undefined);
  });

  it("advises the server's own host and port in the connection's settings", () => {
    const info = { evidence: 'x', ...endpoints };
    const advice = poolerAdvice(info, 'orders').join('\n');
    assert.match(advice, /counts are the server's/);
    assert.match(advice, /cannot keep a slot of its own/);
    assert.match(advice, /give "orders" "host": "10\.0\.0\.5", "port": 5432/);
    assert.doesNotMatch(poolerAdvice({ ...info, viaPort: 5432 }, 'orders').join('\n'), /"port": 5432/, 'no advice to set the port it already has');
  });
});

for (const version of ['default', '12'] as PostgresVersion[]) {
  describe(`the monitor's session on PostgreSQL ${version}`, function () {
    let server: PgServer | undefined;
    const monitors: MonitorConnection[] = [];

    before(async function () {
      if (!isVersionAvailable(version)) this.skip();
      server = await startPostgres({ version, settings: version === 'default' ? { idle_session_timeout: '1500ms' } : {} });
    });

    afterEach(async () => {
      await Promise.all(monitors.splice(0).map((m) => m.dispose()));
    });

    after(async () => {
      await server?.stop();
    });

    async function superuser<T>(work: (c: Client) => Promise<T>): Promise<T> {
      const c = await (server as PgServer).connect();
      try {
        return await work(c);
      } finally {
        await c.end();
      }
    }

    it('sets statement_timeout, application_name, DateStyle and TimeZone for one transaction only', async () => {
      await superuser(async (c) => {
        const before = (await c.query<{ a: string; t: string; d: string; z: string }>("SELECT current_setting('application_name') a, current_setting('statement_timeout') t, current_setting('DateStyle') d, current_setting('TimeZone') z")).rows[0];
        const settings = transactionSettingsSql({ applicationName: 'pg-health monitor', statementTimeoutMs: 200 });
        const inside = (await c.query(`${settings}; SELECT current_setting('application_name') a, current_setting('TimeZone') z`)) as unknown as { rows: { a: string; z: string }[] }[];
        assert.deepEqual(inside[1]?.rows[0], { a: 'pg-health monitor', z: 'UTC' });
        if (version === 'default') {
          // PostgreSQL 13+ times each statement of a simple query on its own, with the value set before it.
          await assert.rejects(c.query(`${settings}; SELECT pg_sleep(2)`), (e: { code?: string }) => e.code === '57014');
        }
        const after = (await c.query<{ a: string; t: string; d: string; z: string }>("SELECT current_setting('application_name') a, current_setting('statement_timeout') t, current_setting('DateStyle') d, current_setting('TimeZone') z")).rows[0];
        assert.deepEqual(after, before, 'nothing outlived the transaction');
      });
      assert.throws(() => transactionSettingsSql({ applicationName: "x'; DROP TABLE t; --", statementTimeoutMs: 1 }), /unsafe application_name/);
    });

    it('sends no application_name at connect, even with PGAPPNAME set, and names itself while a refresh runs', async () => {
      const s = server as PgServer;
      const saved = process.env['PGAPPNAME'];
      process.env['PGAPPNAME'] = 'leaked-from-environment';
      let opened;
      try {
        opened = await openClient(await resolveConnection(configFor(s), secretOnly(s.password)), { onError: () => undefined, onEnd: () => undefined });
      } finally {
        if (saved === undefined) delete process.env['PGAPPNAME'];
        else process.env['PGAPPNAME'] = saved;
      }
      try {
        assert.equal(opened.pooler, undefined, 'a direct connection');
        const app = await superuser(async (c) => (await c.query<{ a: string }>('SELECT application_name a FROM pg_stat_activity WHERE pid = $1', [opened.pid])).rows[0]?.a);
        assert.equal(app, '');
      } finally {
        await opened.client.end();
      }
      const store = new SnapshotStore();
      const monitor = new MonitorConnection({ name: 'm', config: configFor(s), store, passwords: secretOnly(s.password) });
      monitors.push(monitor);
      monitor.start();
      const snapshot = await waitFor('a snapshot', () => store.get('m')?.snapshot);
      assert.equal(snapshot.sessions.find((x) => x.isMonitor)?.application, 'pg-health monitor');
      assert.equal(snapshot.pooler, undefined);
    });

    // idle_session_timeout is PostgreSQL 14+.
    if (version !== 'default') return;

    it("keeps its connection past the server's idle_session_timeout with heartbeats, without changing the setting", async () => {
      const s = server as PgServer;
      const store = new SnapshotStore();
      const monitor = new MonitorConnection({ name: 'idle', config: configFor(s), store, passwords: secretOnly(s.password) });
      monitors.push(monitor);
      monitor.start();
      await waitFor('a snapshot', () => store.get('idle')?.snapshot);
      const pid = monitor.monitorPid;
      assert.equal(store.get('idle')?.snapshot?.settings.idleSessionTimeout, 1500, 'the server setting as sessions get it');
      // No refresh for 4 s: more than twice the timeout.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      assert.equal(monitor.isConnected, true);
      assert.equal(monitor.monitorPid, pid);
      const { rows } = await superuser((c) => c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE ${MONITOR_SESSION_FILTER}`));
      assert.deepEqual(rows.map((r) => r.pid), [pid], 'the same backend is still there');
      // A plain client of the same server is still ended by the timeout: the setting is the server's.
      const plain = await s.connect();
      const ended = new Promise<void>((resolve) => plain.once('error', () => resolve()));
      await ended;
      await plain.end().catch(() => undefined);
    });

    it('says a PgBouncer is in front, in every pool mode', async function () {
      if (!isPgBouncerAvailable()) this.skip();
      const s = server as PgServer;
      for (const poolMode of ['session', 'transaction', 'statement'] as const) {
        const bouncer = await startPgBouncer(s, { poolMode, settings: { server_idle_timeout: 1 } });
        try {
          const store = new SnapshotStore();
          const monitor = new MonitorConnection({ name: poolMode, config: { ...configFor(s, undefined, poolMode), port: bouncer.port }, store, passwords: secretOnly(s.password) });
          monitors.push(monitor);
          monitor.start();
          const snapshot = await waitFor(`a snapshot through ${poolMode} pooling`, () => store.get(poolMode)?.snapshot);
          assert.match(snapshot.pooler?.evidence ?? 'none', /announced process/, poolMode);
          assert.equal(snapshot.pooler?.serverPort, s.port);
          assert.equal(snapshot.pooler?.viaPort, bouncer.port);
          assert.equal(monitor.pooler?.evidence, snapshot.pooler?.evidence);
          await monitor.dispose();
        } finally {
          await bouncer.stop();
        }
      }
    });
  });
}
