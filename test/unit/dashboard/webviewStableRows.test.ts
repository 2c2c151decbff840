// Snapshots arrive every second or two; a list rebuilt on each one loses a click whose press and
// release straddle a refresh (and hovers and text selections). Rows stay while the sessions do.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { DashboardPayload } from '../../../src/dashboard/protocol';
import { databaseState, session, snapshot } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

function payload(idleSeconds: number, extra = false): DashboardPayload {
  const snap = snapshot([
    session({ pid: 501, state: 'idle in transaction', stateSeconds: idleSeconds, transactionSeconds: idleSeconds + 5, application: 'worker', query: 'SELECT 1' }),
    ...(extra ? [session({ pid: 502, state: 'idle in transaction', stateSeconds: 1, application: 'late' })] : []),
  ]);
  return buildDashboardPayload(databaseState(snap));
}

describe('dashboard webview: rows stay in place across refreshes', function () {
  this.timeout(60_000);
  let harness: WebviewHarness;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    harness = await openWebviewHarness();
  });

  after(async () => {
    await harness?.close();
  });

  it('keeps the Terminate button and updates the ages when only the ages changed', async () => {
    const view = harness.page;
    await harness.send({ type: 'state', payload: payload(70) });
    const button = view.locator('[data-testid=idle-in-transaction-row][data-pid="501"] [data-testid=terminate-button]');
    await button.waitFor();
    await button.evaluate((b) => b.setAttribute('data-seen', 'yes'));
    await harness.send({ type: 'state', payload: payload(75) });
    await view.locator('[data-testid=iit-idle]', { hasText: '1 min 15 s' }).waitFor();
    assert.equal(await button.getAttribute('data-seen'), 'yes', 'the same button element');
    // A press before the refresh and a release after it still make one click.
    await view.locator('[data-testid=group-label]').first().waitFor();
    await button.hover();
    await view.mouse.down();
    await harness.send({ type: 'state', payload: payload(80) });
    await view.locator('[data-testid=iit-idle]', { hasText: '1 min 20 s' }).waitFor();
    await view.mouse.up();
    const terminates = (await harness.posted()).filter((m) => m.type === 'terminate');
    assert.deepEqual(terminates.map((m) => m['pid']), [501]);
  });

  it('re-enables a clicked Terminate at the next snapshot (the host may have been answered No)', async () => {
    const view = harness.page;
    const button = view.locator('[data-testid=idle-in-transaction-row][data-pid="501"] [data-testid=terminate-button]');
    assert.equal(await button.getAttribute('disabled'), '');
    await harness.send({ type: 'state', payload: payload(85) });
    await view.locator('[data-testid=iit-idle]', { hasText: '1 min 25 s' }).waitFor();
    assert.equal(await button.getAttribute('disabled'), null);
  });

  it('rebuilds the list when a session joins it', async () => {
    const view = harness.page;
    await harness.send({ type: 'state', payload: payload(90, true) });
    await view.locator('[data-testid=idle-in-transaction-row][data-pid="502"]').waitFor();
    assert.equal(await view.locator('[data-testid=idle-in-transaction-row]').count(), 2);
  });
});
