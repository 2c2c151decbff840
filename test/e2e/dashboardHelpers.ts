// Driving the dashboard webview in code-server: opening it the way a user does, reading what it
// shows by data-testid, and what the server says at the same moment.
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { FrameLocator, Locator, Page } from 'playwright-core';
import { escapeRegex, eventually, openDatabasesView, treeRow } from './workbench';

export const DASHBOARD_TAB_TITLE = (name: string): string => `PostgreSQL Health: ${name}`;

/**
 * The dashboard's document. VS Code 1.100 (code-server 4.100) hosts a webview in an outer
 * `iframe.webview` (its pre/index.html) whose `#active-frame` holds the extension's HTML.
 * Only the dashboard opens a webview in these tests; `.ready` skips an outer frame still loading.
 */
export function dashboardView(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Runs a command from the palette (F1), picking `pick` in the quick pick that follows, if given. */
export async function runCommand(page: Page, title: string, pick?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Contributed commands appear once the extension's manifest is read: wait for the exact row.
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escapeRegex(title)}`) }).first();
  // A webview taking the focus back can close the palette as it opens: open it again, as a user would.
  await eventually(
    async () => {
      if (!(await input.isVisible())) await page.keyboard.press('F1');
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      return true;
    },
    (shown) => shown,
    60_000,
    `the palette to list "${title}"`,
  );
  // Click it: Enter would run whichever row the palette ranked first.
  await row.click();
  if (pick === undefined) return;
  const option = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escapeRegex(pick)}$`) }).first();
  await option.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(pick);
  await option.click();
}

/** Opens the dashboard of `name` from the command palette and waits until it shows a snapshot. */
export async function openDashboard(page: Page, name: string): Promise<FrameLocator> {
  // The Databases view being populated means the extension is active and its commands registered.
  const tree = await openDatabasesView(page);
  await treeRow(tree, name).waitFor({ timeout: 60_000 });
  await runCommand(page, 'PostgreSQL Health: Open Dashboard');
  // With one PostgreSQL connection (PgBouncer entries are not databases) the command opens its
  // dashboard at once; with several it asks which.
  const option = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escapeRegex(name)}$`) }).first();
  const shown = await eventually(
    async () => ((await option.isVisible()) ? 'asks' : (await dashboardTab(page, name).count()) > 0 ? 'opened' : undefined),
    (w) => w !== undefined,
    30_000,
    `Open Dashboard to ask which database or open ${name}'s`,
  );
  if (shown === 'asks') {
    await page.locator('.quick-input-widget input').fill(name);
    await option.click();
  }
  const view = dashboardView(page);
  await view.locator('[data-testid=usage-used]').waitFor({ timeout: 60_000 });
  return view;
}

/** The editor tab of the dashboard of `name`. */
export function dashboardTab(page: Page, name: string): Locator {
  return page.locator('.tabs-container .tab', { hasText: DASHBOARD_TAB_TITLE(name) });
}

/** Closes the dashboard's editor tab with its close button. */
export async function closeDashboard(page: Page, name: string): Promise<void> {
  const tab = dashboardTab(page, name);
  await tab.hover({ timeout: 10_000 });
  await tab.locator('.tab-actions .action-label').first().click();
  await tab.waitFor({ state: 'detached', timeout: 15_000 });
}

/**
 * The text of every element with a data-testid that occurs once, read in one go (one task of the
 * webview's event loop), so all numbers come from the same rendered payload.
 */
export async function readDashboard(view: FrameLocator): Promise<Record<string, string>> {
  return view.locator('[data-testid=dashboard]').evaluate((root) => {
    const seen = new Map<string, string | null>();
    for (const e of root.querySelectorAll('[data-testid]')) {
      const id = e.getAttribute('data-testid') ?? '';
      seen.set(id, seen.has(id) ? null : (e.textContent ?? '').trim());
    }
    const out: Record<string, string> = {};
    for (const [id, text] of seen) if (text !== null) out[id] = text;
    return out;
  });
}

export function numberOf(values: Record<string, string>, testId: string): number {
  const text = values[testId];
  assert.ok(text !== undefined, `the dashboard shows ${testId}`);
  const n = Number(text);
  assert.ok(Number.isFinite(n), `${testId} is a number: ${JSON.stringify(text)}`);
  return n;
}

export interface ServerView {
  /** Client backends, as in the snapshot's `used`. */
  used: number;
  capacity: number;
  maxConnections: number;
  superuserReserved: number;
  reserved: number;
  byState: { active: number; idle: number; idleInTransaction: number; aborted: number; other: number };
}

/** What the server says now: client backends by state, max_connections and the slots ordinary users can take. */
export async function serverView(client: Client): Promise<ServerView> {
  const { rows } = await client.query<{
    used: number;
    active: number;
    idle: number;
    iit: number;
    aborted: number;
    max: number;
    superuser_reserved: number;
    reserved: number;
  }>(`
    SELECT count(*)::int AS used,
           count(*) FILTER (WHERE state = 'active')::int AS active,
           count(*) FILTER (WHERE state = 'idle')::int AS idle,
           count(*) FILTER (WHERE state = 'idle in transaction')::int AS iit,
           count(*) FILTER (WHERE state = 'idle in transaction (aborted)')::int AS aborted,
           current_setting('max_connections')::int AS max,
           current_setting('superuser_reserved_connections')::int AS superuser_reserved,
           coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved
      FROM pg_stat_activity
     WHERE backend_type = 'client backend'`);
  const r = rows[0];
  assert.ok(r);
  return {
    used: r.used,
    capacity: r.max - r.superuser_reserved - r.reserved,
    maxConnections: r.max,
    superuserReserved: r.superuser_reserved,
    reserved: r.reserved,
    byState: { active: r.active, idle: r.idle, idleInTransaction: r.iit, aborted: r.aborted, other: r.used - r.active - r.idle - r.iit - r.aborted },
  };
}

/** The numbers the dashboard shows, in the shape of `serverView`. */
export function dashboardNumbers(values: Record<string, string>): ServerView {
  return {
    used: numberOf(values, 'usage-used'),
    capacity: numberOf(values, 'usage-capacity'),
    maxConnections: numberOf(values, 'usage-max-connections'),
    superuserReserved: numberOf(values, 'usage-superuser-reserved'),
    reserved: numberOf(values, 'usage-reserved'),
    byState: {
      active: numberOf(values, 'state-count-active'),
      idle: numberOf(values, 'state-count-idle'),
      idleInTransaction: numberOf(values, 'state-count-idle-in-transaction'),
      aborted: numberOf(values, 'state-count-aborted'),
      other: numberOf(values, 'state-count-other'),
    },
  };
}

/** Polls until the dashboard and the server, read back to back, agree on every number. */
export async function dashboardAgreesWithServer(view: FrameLocator, probe: Client, timeoutMs = 60_000): Promise<{ dashboard: ServerView; server: ServerView }> {
  return eventually(
    async () => {
      const dashboard = dashboardNumbers(await readDashboard(view));
      const server = await serverView(probe);
      return { dashboard, server };
    },
    (v) => JSON.stringify(v.dashboard) === JSON.stringify(v.server),
    timeoutMs,
    "the dashboard's numbers to equal the server's",
  );
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast';

export interface Theme {
  kind: ThemeKind;
  /** As the "Preferences: Color Theme" picker lists it. */
  label: string;
  /** The class the workbench gets: vscode-theme-defaults-themes-<file>-json. */
  file: string;
  /** The class VS Code puts on the webview's body. */
  webviewClass: string;
}

export const THEMES: readonly Theme[] = [
  { kind: 'light', label: 'Light Modern', file: 'light_modern', webviewClass: 'vscode-light' },
  { kind: 'dark', label: 'Dark Modern', file: 'dark_modern', webviewClass: 'vscode-dark' },
  { kind: 'high-contrast', label: 'Dark High Contrast', file: 'hc_black', webviewClass: 'vscode-high-contrast' },
];

/** The other default themes, to put back whichever one the workbench had. */
const DEFAULT_THEME_LABELS: Readonly<Record<string, string>> = {
  light_plus: 'Light+',
  dark_plus: 'Dark+',
  hc_light: 'Light High Contrast',
  ...Object.fromEntries(THEMES.map((t) => [t.file, t.label])),
};

/** The label of the workbench's current default theme, if it is one. */
export async function currentThemeLabel(page: Page): Promise<string | undefined> {
  const classes = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
  const file = /vscode-theme-defaults-themes-(\w+)-json/.exec(classes)?.[1];
  return file ? DEFAULT_THEME_LABELS[file] : undefined;
}

/**
 * Picks a colour theme with "Preferences: Color Theme", as a user does. (Writing the user's
 * settings.json does not work here: the extension development workbench in code-server keeps its
 * user settings in the browser, not in --user-data-dir.)
 */
export async function pickColorTheme(page: Page, label: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await page.locator('.quick-input-widget input').fill(label);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${escapeRegex(label)}`) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

/** Switches the workbench to `theme` and waits until the dashboard webview follows. */
export async function setColorTheme(page: Page, theme: Theme): Promise<void> {
  await pickColorTheme(page, theme.label);
  await page.locator(`.monaco-workbench.vscode-theme-defaults-themes-${theme.file}-json`).waitFor({ timeout: 30_000 });
  await dashboardView(page).locator(`body.${theme.webviewClass}`).waitFor({ timeout: 30_000 });
}
