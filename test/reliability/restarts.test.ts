// Scenario 2 — the server restarts (fast and immediate shutdown) and the monitor's backend is
// terminated from outside, ten times each, while the extension's MonitorManager polls. After every
// step: the monitor is back with backoff, pg_stat_activity never shows more than one monitor
// connection (a sampler watches throughout, not only at the end), and the store — what every view
// renders — is live again with fresh snapshots.
import * as assert from 'node:assert/strict';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { backoffDelay, defaultBackoff } from '../../src/postgres/backoff';
import { MonitorManager } from '../../src/postgres/monitors';
import { MonitorStatus } from '../../src/postgres/snapshot';
import { SnapshotStore } from '../../src/postgres/store';
import { RoleLogin, waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { captureStore, MONITOR_PASSWORD, report } from './support/evidence';
import { extensionLog } from './support/extensionLog';
import { asSuperuser, createLoginRole, monitorBackends } from './support/roles';

const SCENARIO = '2 restarts and drops';
const BACKOFF = { initialMs: 100, maxMs: 2_000 };
const NAME = 'restarting';

/** Counts monitor connections in pg_stat_activity every 50 ms until stopped; remembers the most seen at once. */
function startSampler(server: PgServer): { max: () => number; samples: () => number; stop: () => Promise<void> } {
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const pids = await monitorBackends(server);
        samples++;
        max = Math.max(max, pids.length);
      } catch {
        // The server is down for a moment: nothing to count.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    max: () => max,
    samples: () => samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function summary(ms: number[]): { min: number; median: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

describe('reliability 2: restarts and dropped connections', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  let watcher: RoleLogin;
  let manager: MonitorManager | undefined;
  let store: SnapshotStore;
  let statuses: MonitorStatus[];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres();
    watcher = await createLoginRole(server, 'restart_watcher', MONITOR_PASSWORD, ['pg_monitor']);
  });

  beforeEach(async function () {
    if (!server) this.skip();
    const s = server;
    store = new SnapshotStore();
    captureStore(store, SCENARIO);
    statuses = [];
    store.onDidChange(() => {
      const status = store.get(NAME)?.status;
      if (status) statuses.push(status);
    });
    manager = new MonitorManager({
      store,
      intervalMs: 100,
      passwordsFor: () => ({ secretPassword: () => watcher.password, env: {}, homedir: '/nonexistent' }),
      monitorOptions: { backoff: BACKOFF, connectTimeoutMs: 3_000 },
      log: extensionLog(SCENARIO),
    });
    manager.configure([{ name: NAME, host: s.host, port: s.port, database: s.database, user: watcher.user, ssl: 'disable' }]);
    manager.lease(NAME, 'tree');
    await waitFor('the monitor live', () => store.get(NAME)?.snapshot);
  });

  afterEach(async () => {
    await manager?.dispose();
    manager = undefined;
  });

  after(async () => {
    await server?.stop();
  });

  /** Waits until the monitor has a new backend and the store holds a snapshot taken by it. */
  async function waitRecovered(oldPid: number | undefined, what: string): Promise<void> {
    await waitFor(
      `${what} (status ${JSON.stringify(store.get(NAME)?.status)})`,
      () => {
        const m = manager?.monitor(NAME);
        const state = store.get(NAME);
        return m?.isConnected && m.monitorPid !== oldPid && state?.status.kind === 'live' && state.snapshot?.monitorPid === m.monitorPid;
      },
      30_000,
    );
  }

  async function assertOneMonitor(step: string): Promise<void> {
    const pids = await monitorBackends(server as PgServer);
    assert.deepEqual(pids, [manager?.monitor(NAME)?.monitorPid], `${step}: monitor backends in pg_stat_activity`);
  }

  function assertBackoffRespected(): void {
    const retries = statuses.filter((s): s is Extract<MonitorStatus, { kind: 'reconnecting' }> => s.kind === 'reconnecting');
    assert.ok(retries.length > 0, 'the views were told the monitor is reconnecting');
    for (const r of retries) {
      const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** (r.attempt - 1));
      assert.ok(r.nextRetryMs >= 0 && r.nextRetryMs <= ceiling, `retry ${r.attempt} after ${r.nextRetryMs} ms exceeds ${ceiling} ms`);
      assert.ok(r.lastError.length > 0);
    }
  }

  it('comes back after 10 restarts (fast and immediate shutdown) with one monitor connection', async () => {
    const s = server as PgServer;
    const sampler = startSampler(s);
    const reconnectMs: number[] = [];
    const outageMs: number[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const mode = i % 2 === 0 ? 'immediate' : 'fast';
        const oldPid = manager?.monitor(NAME)?.monitorPid;
        const stopped = Date.now();
        // The first outage lasts until the monitor has retried twice: a quick restart alone may come
        // back before the second attempt, and the backoff is what this checks.
        await s.restart(
          mode,
          i === 0
            ? () => waitFor('a second reconnect attempt while the server is down', () => statuses.some((st) => st.kind === 'reconnecting' && st.attempt >= 2), 20_000).then(() => undefined)
            : undefined,
        );
        const accepting = Date.now();
        await waitRecovered(oldPid, `the monitor back after restart ${i + 1} (${mode})`);
        reconnectMs.push(Date.now() - accepting);
        outageMs.push(Date.now() - stopped);
        await assertOneMonitor(`after restart ${i + 1} (${mode})`);
      }
    } finally {
      await sampler.stop();
    }
    assert.ok(sampler.max() <= 1, `at most one monitor connection at any sample (saw ${sampler.max()})`);
    assertBackoffRespected();
    const maxAttempt = Math.max(...statuses.map((st) => (st.kind === 'reconnecting' ? st.attempt : 0)));
    assert.ok(maxAttempt >= 2, 'while the server was down the monitor retried more than once, with growing delays');
    const payload = buildDashboardPayload(store.get(NAME) ?? assert.fail('no state'));
    assert.equal(payload.status.kind, 'live');
    assert.ok(payload.live);
    report(SCENARIO, 'restarts', 10);
    report(SCENARIO, 'reconnect after the server accepts again (ms, min/median/max)', summary(reconnectMs));
    report(SCENARIO, 'outage seen by the monitor per restart (ms, min/median/max)', summary(outageMs));
    report(SCENARIO, 'highest retry attempt during restarts', maxAttempt);
    report(SCENARIO, 'monitor connections at once (max over samples)', `${sampler.max()} over ${sampler.samples()} samples`);
  });

  it('comes back after its backend is terminated from outside 10 times, with one monitor connection', async () => {
    const s = server as PgServer;
    const sampler = startSampler(s);
    const reconnectMs: number[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const oldPid = manager?.monitor(NAME)?.monitorPid;
        const killed = Date.now();
        await asSuperuser(s, (c) => c.query('SELECT pg_terminate_backend($1)', [oldPid]));
        // Refreshes from the views racing the reconnect must not open a second connection.
        for (let j = 0; j < 5; j++) void manager?.refresh(NAME);
        await waitRecovered(oldPid, `the monitor back after termination ${i + 1}`);
        reconnectMs.push(Date.now() - killed);
        await assertOneMonitor(`after termination ${i + 1}`);
      }
    } finally {
      await sampler.stop();
    }
    assert.ok(sampler.max() <= 1, `at most one monitor connection at any sample (saw ${sampler.max()})`);
    assertBackoffRespected();
    assert.ok(statuses.some((st) => st.kind === 'reconnecting' && /terminated by an administrator|connection to the server was lost/.test(st.lastError)));
    report(SCENARIO, 'terminations from outside', 10);
    report(SCENARIO, 'reconnect after pg_terminate_backend (ms, min/median/max)', summary(reconnectMs));
    report(SCENARIO, 'default backoff for comparison (ceiling of retries 1..6, ms)', [1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { ...defaultBackoff, random: () => 0.999999 })));
  });
});
