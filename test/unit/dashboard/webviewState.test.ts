// VS Code discards a hidden webview's page and builds it again when the panel is shown (the
// dashboard does not keep its context: it costs memory for every open panel). What the user had
// chosen survives through getState/setState: the tab of "Who holds the connections" and how far
// the page was scrolled.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { DashboardPayload } from '../../../src/dashboard/protocol';
import { databaseState, session, snapshot } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

function payload(): DashboardPayload {
  const sessions = Array.from({ length: 30 }, (_, i) =>
    session({ pid: 900 + i, state: i % 3 === 0 ? 'idle in transaction' : 'idle', stateSeconds: 100 + i, user: `user_${i % 4}`, application: `app_${i % 5}` }),
  );
  return buildDashboardPayload(databaseState(snapshot(sessions)));
}

/** Polls a page expression (waitForFunction would evaluate a string, which the page's CSP forbids). */
async function until(h: WebviewHarness, expression: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await h.page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SavedState {
  connection?: string;
  tab?: string;
  scrollY?: number;
}

describe('dashboard webview: where the user left it', function () {
  this.timeout(60_000);
  const opened: WebviewHarness[] = [];

  before(function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
  });

  after(async () => {
    await Promise.all(opened.map((h) => h.close()));
  });

  // A short window, so the page scrolls.
  const open = async (state?: SavedState): Promise<WebviewHarness> => {
    const h = await openWebviewHarness({ width: 1000, height: 500 }, state);
    opened.push(h);
    return h;
  };

  it('saves the chosen tab and the scroll position as the user changes them', async () => {
    const h = await open();
    await h.send({ type: 'state', payload: payload() });
    await h.page.locator('vscode-panel-tab#tab-user').click();
    await until(h, 'window.__state && window.__state.tab === "user"', 'the tab to be saved');
    await h.page.evaluate('window.scrollTo(0, 400)');
    await until(h, 'window.__state && window.__state.scrollY >= 390', 'the scroll position to be saved');
    const state = (await h.page.evaluate('window.__state')) as SavedState;
    assert.equal(state.connection, 'shop-prod');
    assert.equal(state.tab, 'user');
    assert.ok(Math.abs((state.scrollY ?? 0) - 400) <= 10, `scrollY ${state.scrollY}`);
  });

  it('comes back on that tab and at that position when the page is built again', async () => {
    const h = await open({ connection: 'shop-prod', tab: 'user', scrollY: 400 });
    await h.send({ type: 'state', payload: payload() });
    await until(h, 'window.scrollY > 0', 'the page to scroll back');
    const scrolled = (await h.page.evaluate('window.scrollY')) as number;
    assert.ok(Math.abs(scrolled - 400) <= 10, `scrolled to ${scrolled}`);
    const active = (await h.page.evaluate("document.querySelector('vscode-panels').activeid")) as string;
    assert.equal(active, 'tab-user');
    assert.equal(await h.page.locator('vscode-panel-view#view-user').isVisible(), true, 'the Users table is the one shown');
    assert.equal(await h.page.locator('vscode-panel-view#view-application').isVisible(), false);
    assert.deepEqual(h.errors, []);
  });

  it('ignores a tab it does not know (a state saved by another version)', async () => {
    const h = await open({ connection: 'shop-prod', tab: 'no-such-tab' });
    await h.send({ type: 'state', payload: payload() });
    await h.page.locator('vscode-panel-view#view-application').waitFor({ state: 'visible' });
    assert.deepEqual(h.errors, []);
  });
});
