import * as assert from 'node:assert/strict';
import { Locator, Page } from 'playwright-core';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import { runCommand } from './dashboardHelpers';
import { acceptQuickInput, dismissLeftovers, quickInput, waitForQuickInput } from './sessionsHelpers';
import { clickMenuItem, eventually, openDatabasesView } from './workbench';

// The first-run guide, as a new user meets it: opened from the Databases view's "…" menu, its steps
// listed, and a step that completes when the user does what it says.

const TITLE = 'Get started with PostgreSQL Connection Health';
const STEPS = [
  'Add a database',
  'Set up a monitoring role',
  'Read the Databases view',
  'Open the dashboard',
  'Find leaks in your code',
  'Apply a quick fix',
  'Turn on fix on save',
];

function stepButton(page: Page, title: string): Locator {
  return page.locator('.getting-started-step').filter({ has: page.locator('.step-title', { hasText: title }) }).first();
}

/** A step shows a filled check once done (its checkbox is marked complete, with a pass-filled icon). */
async function isDone(page: Page, title: string): Promise<boolean> {
  const html = await stepButton(page, title)
    .evaluate((el) => el.outerHTML)
    .catch(() => '');
  return /codicon-pass-filled|\bcomplete\b|aria-checked="true"/.test(html);
}

describe('Walkthrough', () => {
  before(async () => dismissLeftovers((await environment()).page));

  it('opens from the view\'s … menu with its seven steps, and a step completes when the user does it', async () => {
    const { page } = await environment();
    await openDatabasesView(page);
    const view = page.locator('[id="workbench.view.extension.pgHealth"]').first();
    // The view's title bar shows its actions on hover; "…" holds the rest.
    await view.hover();
    const more = page.locator('.pane-header .action-label[aria-label="Views and More Actions..."], .title-actions .action-label[aria-label="Views and More Actions..."], .action-label[aria-label^="More Actions"]').first();
    await more.click();
    await clickMenuItem(page, 'Get Started');
    const heading = page.locator('.gettingStartedContainer h2, .getting-started-category h2').filter({ hasText: TITLE }).first();
    await heading.waitFor({ state: 'visible', timeout: 30_000 });
    for (const title of STEPS) await stepButton(page, title).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await isDone(page, 'Set up a monitoring role'), false, 'not done before the user copied the SQL');
    await screenshot(page, 'walkthrough');

    // The step's button runs the command; from the palette it is the same command (a step's page is a
    // webview that takes the focus as it loads, which closes a palette opened at that moment).
    await runCommand(page, 'PostgreSQL Health: Copy SQL for a Monitoring Role…');
    await waitForQuickInput(page, /which server version/);
    await quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: 'PostgreSQL 16 or newer' }).first().click();
    await waitForQuickInput(page, /its name/);
    await acceptQuickInput(page);
    await eventually(() => isDone(page, 'Set up a monitoring role'), (done) => done, 15_000, 'the monitoring-role step to be checked');
    await screenshot(page, 'walkthrough-step-done');
    await dismissLeftovers(page);
  });
});
