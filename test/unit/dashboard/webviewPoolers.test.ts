// The dashboard's "PgBouncer in front" section in a real browser (Debian's chromium) under the exact
// CSP the panel sends: fed a PoolerView built by the model from rows shaped as PgBouncer 1.18 prints
// them (SHOW POOLS/CLIENTS/SERVERS/DATABASES/CONFIG, captured from a saturated pool with
// default_pool_size = 1). What it says, what its chart tells a screen reader, what Copy sends, and that
// nothing breaks the CSP. The same section against real PgBouncer and VS Code: test/e2e/pgbouncer.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { buildPoolerView } from '../../../src/dashboard/poolerView';
import { poolerHealth, PoolerSnapshot, toConnection, toDatabase, toPool, toSettings } from '../../../src/postgres/pgbouncer';
import { PoolerHistoryPoint } from '../../../src/postgres/pgbouncerMonitor';
import { databaseState, session, snapshot, TAKEN_AT } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

function poolerSnapshot(at: number, waiting: number, maxwaitUs: number): PoolerSnapshot {
  return {
    connection: 'orders-bouncer',
    takenAt: at,
    version: 'PgBouncer 1.18.0',
    pools: [toPool({ database: 'orders', user: HOSTILE, cl_active: 1, cl_waiting: waiting, sv_active: 1, sv_idle: 0, sv_used: 0, sv_tested: 0, sv_login: 0, maxwait: Math.floor(maxwaitUs / 1e6), maxwait_us: maxwaitUs % 1e6, pool_mode: 'transaction' })],
    clients: [toConnection({ type: 'C', user: HOSTILE, database: 'orders', state: 'waiting', addr: '127.0.0.1', port: 60680, local_addr: '127.0.0.1', local_port: 6432, wait: 0, wait_us: 305605, link: '', remote_pid: 0 })],
    clientCount: 3,
    servers: [toConnection({ type: 'S', user: HOSTILE, database: 'orders', state: 'active', addr: '127.0.0.1', port: 5432, local_addr: '127.0.0.1', local_port: 51670, remote_pid: 11051, link: '0x1' })],
    databases: [toDatabase({ name: 'orders', host: '127.0.0.1', port: 5432, pool_size: 1, reserve_pool: 0, max_connections: 0, current_connections: 1, paused: 0, disabled: 0 })],
    settings: toSettings([
      { key: 'default_pool_size', value: '1' },
      { key: 'max_db_connections', value: '0' },
      { key: 'reserve_pool_size', value: '0' },
      { key: 'reserve_pool_timeout', value: '5' },
      { key: 'max_client_conn', value: '500' },
      { key: 'pool_mode', value: 'transaction' },
    ]),
    roundTripMs: 1,
  };
}

describe('dashboard webview: PgBouncer in front', function () {
  this.timeout(60_000);
  let harness: WebviewHarness;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    harness = await openWebviewHarness();
  });

  after(async () => {
    await harness?.close();
  });

  it('shows the saturated pool, its history in words, the server connections against capacity and the advice, under the strict CSP', async () => {
    const end = Date.parse(TAKEN_AT);
    const recent = [4, 3, 2, 1, 0].map((i) => poolerSnapshot(end - i * 2_000, i === 4 ? 0 : 2, (4 - i) * 700_000));
    const history: PoolerHistoryPoint[] = recent.map((s) => ({ at: s.takenAt, waiting: s.pools[0]?.clWaiting ?? 0, maxwaitSeconds: s.pools[0]?.maxwaitSeconds ?? 0, servers: 1, clients: 3 }));
    const latest = recent[recent.length - 1] as PoolerSnapshot;
    const view = buildPoolerView({ name: 'orders-bouncer', snapshot: latest, health: poolerHealth(recent), history, ownedBackends: 1, used: 12, capacity: 37 });
    const data = { ...buildDashboardPayload(databaseState(snapshot([session({ pid: 11051, state: 'idle in transaction' })]), [], 12)), poolers: [view] };
    await harness.send({ type: 'state', payload: data });
    const page = harness.page;
    const section = page.locator('[data-testid=poolers]');
    await section.waitFor({ state: 'visible' });
    assert.equal(await section.locator('h2').innerText(), 'PgBouncer in front');
    assert.match(await page.locator('[data-testid=pooler-summary]').innerText(), /^Critical: orders\/<img src=x onerror="window.__pwned=1">: clients waiting for 4 refreshes, maxwait rising, no idle server connection\.$/);
    assert.equal(
      await page.locator('[data-testid=pooler-servers]').innerText(),
      '2 clients waiting now (maxwait 2.8 s); 3 clients of max_client_conn 500. PgBouncer holds 1 server connections, 1 of them on this server, which has 12 of 37 slots in use.',
    );
    assert.equal(
      await page.locator('[data-testid=pooler-chart]').getAttribute('aria-label'),
      'PgBouncer orders-bouncer over the last 1 min: now 2 clients waiting, maxwait 2.8 s; at most 2 waiting, longest wait 2.8 s; 1 server connections',
    );
    assert.equal(await page.locator('[data-testid=pooler-chart] rect.waiting-bar').count(), 4, 'one bar per refresh with clients waiting');
    assert.equal((await page.locator('[data-testid=pooler-suggest-default_pool_size]').innerText()).trim(), 'default_pool_size = 3');
    assert.equal((await page.locator('[data-testid=pooler-suggest-reserve_pool_size]').innerText()).trim(), 'reserve_pool_size = 1');
    await page.locator('[data-testid=copy-pooler-default_pool_size]').click();
    assert.ok((await harness.posted()).some((m) => m.type === 'copy' && m['text'] === 'default_pool_size = 3'));
    // Hostile names stay text; the section needs nothing the CSP forbids.
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.deepEqual(await harness.violations(), []);
    assert.deepEqual(harness.errors, []);
    // Without a pooler in front the section is gone.
    await harness.send({ type: 'state', payload: { ...data, poolers: [] } });
    await section.waitFor({ state: 'hidden' });
  });
});
