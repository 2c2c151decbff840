// Scenario 3 — a long run: 1,000 refresh cycles through MonitorManager (with its 20 ms interval poll
// running as well) against a server whose sessions come and go all the time. The heap after garbage
// collection and the number of monitor connections must stay flat. The store keeps an hour of
// history by design, so its growth (about 1,000 small points) is measured and allowed for.
import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { MonitorManager } from '../../src/postgres/monitors';
import { SnapshotStore } from '../../src/postgres/store';
import { RoleLogin, waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { APP_PASSWORD, captureStore, MONITOR_PASSWORD, report } from './support/evidence';
import { extensionLog } from './support/extensionLog';
import { closeAll, connectClient, createLoginRole, monitorBackends } from './support/roles';

const SCENARIO = '3 long run';
const CYCLES = 1_000;
const NAME = 'long';

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  if (gc) {
    gc();
    gc();
  }
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

/** Keeps about `size` application sessions coming and going in different states until stopped. */
function startChurn(server: PgServer, login: RoleLogin, size: number): { opened: () => number; stop: () => Promise<void> } {
  const slots: Array<Client | undefined> = new Array(size).fill(undefined);
  let opened = 0;
  let running = true;
  const statements = ['SELECT 1', 'BEGIN', 'SELECT pg_sleep(0.05)', 'BEGIN; SELECT 1/0'];
  const loop = (async () => {
    while (running) {
      const i = Math.floor(Math.random() * size);
      const existing = slots[i];
      slots[i] = undefined;
      if (existing) {
        await existing.end().catch(() => undefined);
      } else {
        try {
          const client = await connectClient(server, login, `churn-${opened++ % 50}`);
          slots[i] = client;
          void client.query(statements[opened % statements.length] ?? 'SELECT 1').catch(() => undefined);
        } catch {
          // A refused connection is part of the churn.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    opened: () => opened,
    stop: async () => {
      running = false;
      await loop;
      await closeAll(slots.filter((c): c is Client => c !== undefined));
    },
  };
}

describe('reliability 3: long run', function () {
  // About 15 s on an idle 2-core machine (26 s seen at load 30): room for a shared machine.
  this.timeout(120_000);
  let server: PgServer | undefined;
  let manager: MonitorManager | undefined;

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ maxConnections: 60 });
  });

  after(async () => {
    await manager?.dispose();
    await server?.stop();
  });

  it('1,000 refresh cycles with churning sessions keep the heap and the monitor connections flat', async () => {
    const s = server as PgServer;
    const watcher = await createLoginRole(s, 'long_watcher', MONITOR_PASSWORD, ['pg_monitor']);
    const app = await createLoginRole(s, 'long_app', APP_PASSWORD);
    const store = new SnapshotStore();
    captureStore(store, SCENARIO);
    manager = new MonitorManager({
      store,
      intervalMs: 20,
      passwordsFor: () => ({ secretPassword: () => watcher.password, env: {}, homedir: '/nonexistent' }),
      log: extensionLog(SCENARIO),
    });
    manager.configure([{ name: NAME, host: s.host, port: s.port, database: s.database, user: watcher.user, ssl: 'disable' }]);
    const lease = manager.lease(NAME, 'dashboard');
    await waitFor('the monitor live', () => store.get(NAME)?.snapshot);
    const churn = startChurn(s, app, 25);
    const heap: Array<{ cycle: number; mb: number }> = [];
    const monitorCounts: number[] = [];
    const sessionCounts = new Set<number>();
    const started = Date.now();
    let failedRefreshes = 0;
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        await manager.refresh(NAME);
        const state = store.get(NAME);
        if (state?.status.kind !== 'live') failedRefreshes++;
        sessionCounts.add(state?.snapshot?.used ?? -1);
        // The first 100 cycles warm up the JIT, pg's parsers and the buffers.
        if (cycle === 100 || cycle % 250 === 0) {
          heap.push({ cycle, mb: heapMb() });
          monitorCounts.push((await monitorBackends(s)).length);
        }
      }
    } finally {
      await churn.stop();
    }
    const elapsed = Date.now() - started;
    const history = store.get(NAME)?.history.length ?? 0;
    const start = heap[0]?.mb ?? 0;
    const end = heap[heap.length - 1]?.mb ?? 0;
    report(SCENARIO, 'refresh cycles (plus interval polls every 20 ms)', `${CYCLES} in ${elapsed} ms`);
    report(SCENARIO, 'sessions opened by the churn', churn.opened());
    report(SCENARIO, 'distinct used counts seen', sessionCounts.size);
    report(SCENARIO, `heap after gc (MB) by cycle${gc ? '' : ' (no --expose-gc: without collection)'}`, heap);
    report(SCENARIO, 'history points kept (an hour is kept by design)', history);
    report(SCENARIO, 'monitor connections in pg_stat_activity at each sample', monitorCounts);
    report(SCENARIO, 'refreshes that did not leave the store live', failedRefreshes);
    assert.ok(churn.opened() > 100, `the sessions churned (${churn.opened()} opened)`);
    assert.ok(sessionCounts.size > 3, 'the snapshots saw the session count change');
    assert.deepEqual(monitorCounts, monitorCounts.map(() => 1), 'one monitor connection throughout');
    assert.equal(failedRefreshes, 0);
    // History points are a few hundred bytes each; anything beyond a few MB would be a leak.
    const tolerance = gc ? 6 : 25;
    assert.ok(end - start < tolerance, `heap grew from ${start} MB to ${end} MB (tolerance ${tolerance} MB)`);
    lease.dispose();
  });
});
