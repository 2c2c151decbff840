// Sessions to code on the dashboard: every idle-in-transaction row offers Go to Code (the host opens
// the code that sent its last query), and a row whose query comes from a leaking function says where.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { databaseState, session, snapshot } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

describe('dashboard webview: Go to Code', function () {
  this.timeout(60_000);
  let h: WebviewHarness;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    h = await openWebviewHarness();
  });

  after(async () => {
    await h?.close();
  });

  it('posts Go to Code for the row chosen, and shows where a leaking row\'s query came from', async () => {
    const snap = snapshot([
      session({ pid: 4101, state: 'idle in transaction', stateSeconds: 300, application: 'invoice-job', query: 'SELECT id FROM invoices WHERE NOT paid' }),
      session({ pid: 4102, state: 'idle in transaction', stateSeconds: 200, application: 'orders', query: 'SELECT 1' }),
    ]);
    const leaks = new Map([[4101, 'last query from jobs/invoice-job.js:9, where the client is not released on every path']]);
    const payload = buildDashboardPayload(databaseState(snap), { leakOf: (s) => leaks.get(s.pid) });
    await h.send({ type: 'state', payload });
    const rows = h.page.locator('[data-testid="idle-in-transaction-row"]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    assert.equal(
      (await rows.nth(0).locator('[data-testid="iit-leak"]').textContent())?.trim(),
      'last query from jobs/invoice-job.js:9, where the client is not released on every path',
    );
    assert.equal(await rows.nth(1).locator('[data-testid="iit-leak"]').count(), 0, 'no leak claimed for the other row');
    await rows.nth(1).locator('[data-testid="go-to-code-button"]').click();
    const posted = (await h.posted()).filter((m) => m.type === 'goToCode');
    assert.deepEqual(posted, [{ type: 'goToCode', pid: 4102, backendStart: payload.live?.idleInTransaction[1]?.backendStart ?? null }]);
    assert.deepEqual(h.errors, []);
  });
});
