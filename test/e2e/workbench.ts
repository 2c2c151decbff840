// Driving the VS Code UI the way a user does: by what is on screen (aria labels, row text).
import { Locator, Page } from 'playwright-core';

/** Opens the "PostgreSQL Health" view container from the activity bar and returns the Databases view's tree. */
export async function openDatabasesView(page: Page): Promise<Locator> {
  // The container has one view, so the side bar shows its tree directly under the container's title.
  const tree = page.locator('[id="workbench.view.extension.pgHealth"] .monaco-list').first();
  if (!(await tree.isVisible().catch(() => false))) {
    await page.locator('.activitybar [aria-label^="PostgreSQL Health"]').first().click();
  }
  await tree.waitFor({ state: 'visible', timeout: 30_000 });
  return tree;
}

/** The tree row whose label starts with `label`. */
export function treeRow(tree: Locator, label: string): Locator {
  return tree.locator('.monaco-list-row').filter({ has: tree.page().locator('.label-name', { hasText: new RegExp(`^${escapeRegex(label)}`) }) });
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls until `read` returns a value `accept` likes, or fails with the last value seen. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}

/** Clicks an item of the context menu that is open. */
export async function clickMenuItem(page: Page, label: string): Promise<void> {
  const item = page.locator('.monaco-menu .action-label', { hasText: new RegExp(`^${escapeRegex(label)}$`) }).first();
  await item.waitFor({ state: 'visible', timeout: 10_000 });
  await page.waitForTimeout(400);
  await item.click();
}

/** Clicks a button of the modal dialog that is open. */
export async function clickDialogButton(page: Page, label: string): Promise<void> {
  const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: new RegExp(`^${escapeRegex(label)}$`) }).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

/** The text of every row the Problems panel lists. */
export async function problemRows(page: Page): Promise<string[]> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
  }
  return panel.locator('.monaco-list-row').allTextContents();
}

/**
 * Presses `key` until `target` shows, waiting `eachMs` after each press. A key press can be lost while
 * the workbench moves focus, so it is pressed again, but only while `widget` is closed (pressing it
 * over an open widget would close it).
 */
export async function pressUntilVisible(page: Page, key: string, widget: Locator, target: Locator, eachMs: number, totalMs: number, what: string): Promise<void> {
  await eventually(
    async () => {
      if (!(await widget.isVisible())) await page.keyboard.press(key);
      await target.waitFor({ state: 'visible', timeout: eachMs });
      return true;
    },
    (ok) => ok,
    totalMs,
    what,
  );
}

/** Opens a file of the workspace with Quick Open (Ctrl+P). */
export async function quickOpen(page: Page, name: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await pressUntilVisible(page, 'Control+P', input, input, 5_000, 30_000, 'Quick Open to show its input');
  await input.fill(name);
  // A file created after the workbench started: the file search may need a moment to see it.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 60_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: 30_000 });
}

/** Clicks into the token `token` of the editor line that contains `lineText`, as a user clicks on a squiggle. */
export async function clickOnToken(page: Page, lineText: string, token: string): Promise<void> {
  const line = page.locator('.editor-instance .view-lines .view-line', { hasText: lineText }).first();
  await line.waitFor({ state: 'visible', timeout: 10_000 });
  await line.locator('span span', { hasText: new RegExp(`^${escapeRegex(token)}$`) }).first().click();
  await page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 10_000 });
}
