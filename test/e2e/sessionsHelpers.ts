// Helpers for the session tests: real sessions in known states, what the server says about them,
// and reading the Databases tree, context menus and quick picks the way a user sees them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { Locator, Page } from 'playwright-core';
import { PgServer } from '../support/postgresServer';
import { clickMenuItem, eventually, escapeRegex, pressUntilVisible } from './workbench';

export type SessionState = 'idle' | 'active' | 'idle in transaction' | 'idle in transaction (aborted)';

export interface TestSession {
  pid: number;
  state: SessionState;
  applicationName: string;
  client: Client;
  /** The pg_sleep(60) of an active session: rejects when it is cancelled or the backend ends. */
  running: Promise<unknown> | undefined;
}

export interface TestSessions {
  sessions: TestSession[];
  pids(): number[];
  byState(state: SessionState): TestSession[];
  /** Terminates the backends that are still there (only these) and closes their clients. */
  close(): Promise<void>;
}

/**
 * Opens one connection per requested state, application_name `${prefix}-${state}-${i}` (or
 * `applicationName` for all of them), and waits until the server shows each state.
 */
export async function openSessions(pg: PgServer, prefix: string, states: SessionState[], applicationName?: string): Promise<TestSessions> {
  const sessions: TestSession[] = [];
  const counts = new Map<string, number>();
  for (const state of states) {
    const i = (counts.get(state) ?? 0) + 1;
    counts.set(state, i);
    const name = applicationName ?? `${prefix}-${state.replace(/[^a-z]+/g, '_')}-${i}`;
    const client = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, application_name: name });
    // A terminated backend surfaces as an 'error' event on an idle client; the test asserts on the server instead.
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]?.pid ?? 0;
    let running: Promise<unknown> | undefined;
    if (state === 'active') {
      running = client.query('SELECT pg_sleep(60)');
      // Observed by the tests that expect it to fail; never an unhandled rejection.
      running.catch(() => undefined);
    } else if (state === 'idle in transaction') {
      await client.query('BEGIN');
      await client.query('SELECT 1');
    } else if (state === 'idle in transaction (aborted)') {
      await client.query('BEGIN');
      await client.query('SELECT 1/0').catch(() => undefined);
    }
    sessions.push({ pid, state, applicationName: name, client, running });
  }
  const observer = await pg.connect();
  try {
    await eventually(
      async () => serverSessions(observer, sessions.map((s) => s.pid)),
      (rows) => sessions.every((s) => rows.find((r) => r.pid === s.pid)?.state === s.state),
      15_000,
      'the test sessions to reach their states',
    );
  } finally {
    await observer.end();
  }
  return {
    sessions,
    pids: () => sessions.map((s) => s.pid),
    byState: (state) => sessions.filter((s) => s.state === state),
    async close() {
      const killer = await pg.connect();
      try {
        const pids = sessions.map((s) => s.pid);
        await killer.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
        await eventually(async () => (await serverSessions(killer, pids)).length, (n) => n === 0, 15_000, 'the test backends to exit');
      } finally {
        await killer.end();
      }
      await Promise.all(sessions.map((s) => s.client.end().catch(() => undefined)));
      await Promise.all(sessions.map((s) => s.running?.catch(() => undefined)));
    },
  };
}

export interface ServerSession {
  pid: number;
  state: string | null;
  applicationName: string;
  /** Seconds since state_change, as the server measures it. */
  stateSeconds: number | null;
  /** The last query's text. */
  query: string | null;
}

/** The rows of pg_stat_activity for these pids (or every client backend when pids is omitted). */
export async function serverSessions(client: Client, pids?: number[]): Promise<ServerSession[]> {
  const { rows } = await client.query<{ pid: number; state: string | null; application_name: string; state_seconds: number | null; query: string | null }>(
    `SELECT pid, state, application_name, extract(epoch FROM now() - state_change)::float8 AS state_seconds, query
       FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND ($1::int[] IS NULL OR pid = ANY($1::int[]))
      ORDER BY pid`,
    [pids ?? null],
  );
  return rows.map((r) => ({ pid: r.pid, state: r.state, applicationName: r.application_name, stateSeconds: r.state_seconds, query: r.query }));
}

/** The probe's pid: it is running this very query when it reads pg_stat_activity, but idle whenever the monitor looks. */
export async function backendPid(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]?.pid ?? 0;
}

// ---- the Databases tree ----------------------------------------------------------------------

export interface TreeRowText {
  level: number;
  label: string;
  description: string;
  expanded: boolean | undefined;
}

/** Every rendered row of the tree, in order, as the user reads it. */
export async function readTree(tree: Locator): Promise<TreeRowText[]> {
  return tree.locator('.monaco-list-row').evaluateAll((rows) =>
    rows
      .map((row) => {
        const expanded = row.getAttribute('aria-expanded');
        return {
          top: parseFloat((row as unknown as { style?: { top?: string } }).style?.top ?? '0'),
          level: Number(row.getAttribute('aria-level') ?? '0'),
          label: row.querySelector('.label-name')?.textContent?.trim() ?? '',
          description: row.querySelector('.label-description')?.textContent?.trim() ?? '',
          expanded: expanded === null ? undefined : expanded === 'true',
        };
      })
      .sort((a, b) => a.top - b.top)
      .map(({ level, label, description, expanded }) => ({ level, label, description, expanded })),
  );
}

/** The rows under the database node `database` (its groups and their sessions), from the tree as rendered. */
export function databaseChildren(rows: TreeRowText[], database: string): TreeRowText[] {
  const start = rows.findIndex((r) => r.level === 1 && r.label === database);
  if (start === -1) return [];
  const children: TreeRowText[] = [];
  for (const row of rows.slice(start + 1)) {
    if (row.level <= 1) break;
    children.push(row);
  }
  return children;
}

/** The tree row whose label is exactly `label` under the given level (1 database, 2 group, 3 session). */
export function exactRow(tree: Locator, label: string, level?: number): Locator {
  const rows = level === undefined ? tree.locator('.monaco-list-row') : tree.locator(`.monaco-list-row[aria-level="${level}"]`);
  return rows.filter({ has: tree.page().locator('.label-name', { hasText: new RegExp(`^${escapeRegex(label)}$`) }) });
}

/** The session row for a pid (labels start with the pid). */
export function sessionRow(tree: Locator, pid: number): Locator {
  return tree
    .locator('.monaco-list-row[aria-level="3"]')
    .filter({ has: tree.page().locator('.label-name', { hasText: new RegExp(`^${pid}(\\D|$)`) }) });
}

/** Expands a collapsed row by its twistie (a no-op when it is expanded already). */
export async function expand(row: Locator): Promise<void> {
  await row.first().waitFor({ state: 'visible', timeout: 60_000 });
  // A click can land while the rows are being re-rendered (a group appears above); try again.
  for (let attempt = 1; ; attempt++) {
    if ((await row.first().getAttribute('aria-expanded')) === 'true') return;
    await row.first().locator('.monaco-tl-twistie').click();
    try {
      await eventually(async () => row.first().getAttribute('aria-expanded'), (v) => v === 'true', 5_000, 'the row to expand');
      return;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
}

export async function collapse(row: Locator): Promise<void> {
  if ((await row.first().getAttribute('aria-expanded').catch(() => null)) !== 'true') return;
  await row.first().locator('.monaco-tl-twistie').click();
  await eventually(async () => row.first().getAttribute('aria-expanded'), (v) => v === 'false', 20_000, 'the row to collapse');
}

/** Closes what an earlier (failed) test may have left open: menus, quick inputs, hovers. */
export async function dismissLeftovers(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Escape');
    await page.waitForTimeout(150);
  }
}

/**
 * Right-clicks a row and returns the labels of the context menu that opens. The rows move when a
 * group appears or grows, so the menu is only trusted when the row it opened on (the focused one)
 * is the one meant; otherwise it is closed and the click repeated. With `mayBeEmpty`, a row that has
 * no menu at all (no item applies) gives [].
 */
export async function openContextMenu(page: Page, row: Locator, mayBeEmpty = false): Promise<string[]> {
  const target = row.first();
  await target.waitFor({ state: 'visible', timeout: 60_000 });
  const wanted = ((await target.locator('.label-name').textContent()) ?? '').trim();
  const list = target.locator('xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " monaco-list ")][1]');
  const menu = page.locator('.monaco-menu .action-label');
  for (let attempt = 1; ; attempt++) {
    await target.click({ button: 'right' });
    let opened = true;
    try {
      await menu.first().waitFor({ state: 'visible', timeout: mayBeEmpty ? 5_000 : 10_000 });
    } catch (err) {
      if (!mayBeEmpty) throw err;
      opened = false;
    }
    const focused = ((await list.locator('.monaco-list-row.focused .label-name').first().textContent().catch(() => '')) ?? '').trim();
    if (focused === wanted || attempt >= 5) {
      if (focused !== wanted) throw new Error(`the context menu opened on "${focused}", not on "${wanted}"`);
      if (!opened) return [];
      await page.waitForTimeout(400);
      return (await menu.allTextContents()).map((t) => t.trim()).filter((t) => t.length > 0);
    }
    if (opened) await closeMenus(page);
  }
}

export async function closeMenus(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

// ---- modal dialogs -------------------------------------------------------------------------

const TRY_AGAIN = 'Please try again';

/**
 * Right-clicks a row, chooses `item`, and returns what the user sees next: what `opened` reads once
 * the command has opened its dialog or quick input, or the text of the extension's "Please try
 * again" message when VS Code handed the command no row (the tree re-rendered the row as it was
 * clicked).
 */
export async function chooseFromMenu<T>(
  page: Page,
  row: Locator,
  item: string,
  opened: () => Promise<T | undefined>,
): Promise<{ menu: string[]; shown?: T; tryAgain?: string }> {
  const menu = await openContextMenu(page, row);
  await clickMenuItem(page, item);
  const toasts = page.locator('.notifications-toasts .notification-toast');
  const outcome = await eventually(
    async (): Promise<{ shown?: T; tryAgain?: string } | undefined> => {
      const shown = await opened();
      if (shown !== undefined) return { shown };
      const tryAgain = (await toasts.allInnerTexts()).find((t) => t.includes(TRY_AGAIN));
      return tryAgain ? { tryAgain } : undefined;
    },
    (o) => o !== undefined,
    20_000,
    `what ${item} opens, or a "try again" message`,
  );
  if (outcome?.tryAgain) {
    await page.keyboard.press('Escape');
    await toasts.filter({ hasText: TRY_AGAIN }).first().waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => undefined);
  }
  return { menu, ...outcome };
}

/**
 * Does what a user told "Please try again" does: chooses the item again (at most five times) until
 * the command opens what it opens, and returns the menu and what `opened` read.
 */
export async function chooseUntilOpened<T>(page: Page, row: Locator, item: string, opened: () => Promise<T | undefined>): Promise<{ menu: string[]; shown: T }> {
  for (let attempt = 1; ; attempt++) {
    let chosen: Awaited<ReturnType<typeof chooseFromMenu<T>>>;
    try {
      chosen = await chooseFromMenu(page, row, item, opened);
    } catch (error) {
      // A right-click whose menu did not show (a busy 2-core machine): the user right-clicks again.
      if (attempt >= 5 || !/Timeout \d+ms exceeded/.test(String(error))) throw error;
      await page.keyboard.press('Escape');
      continue;
    }
    const { menu, shown } = chosen;
    if (shown !== undefined) return { menu, shown };
    if (attempt >= 5) throw new Error(`${item} said "${TRY_AGAIN}" ${attempt} times in a row`);
  }
}

/** The text of the modal dialog that is open, if one is. */
export async function openDialog(page: Page): Promise<string | undefined> {
  const box = page.locator('.monaco-dialog-box').first();
  return (await box.isVisible()) ? (await box.innerText()).trim() : undefined;
}

/** The title of the quick input that is open, if one is. */
export async function openQuickInputTitle(page: Page): Promise<string | undefined> {
  return (await quickInput(page).isVisible()) ? ((await quickInput(page).locator('.quick-input-title').textContent()) ?? '') : undefined;
}

/** chooseFromMenu for a command that asks in a modal dialog. */
export async function chooseOnRow(page: Page, row: Locator, item: string): Promise<{ menu: string[]; dialog?: string; tryAgain?: string }> {
  const { menu, shown, tryAgain } = await chooseFromMenu(page, row, item, () => openDialog(page));
  return { menu, dialog: shown, tryAgain };
}

/** chooseUntilOpened for a command that asks in a modal dialog. */
export async function chooseForDialog(page: Page, row: Locator, item: string): Promise<{ menu: string[]; dialog: string }> {
  const { menu, shown } = await chooseUntilOpened(page, row, item, () => openDialog(page));
  return { menu, dialog: shown };
}

// ---- quick picks and input boxes -------------------------------------------------------------

export interface QuickPickRow {
  label: string;
  description: string;
  checked: boolean | undefined;
}

export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Waits for a quick input whose title contains `title`. */
export async function waitForQuickInput(page: Page, title: string | RegExp, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => ((await quickInput(page).isVisible()) ? ((await quickInput(page).locator('.quick-input-title').textContent()) ?? '') : ''),
    (t) => (typeof title === 'string' ? t.includes(title) : title.test(t)),
    timeoutMs,
    `a quick input titled ${String(title)}`,
  );
}

export async function readQuickPick(page: Page): Promise<QuickPickRow[]> {
  return quickInput(page)
    .locator('.quick-input-list .monaco-list-row')
    .evaluateAll((rows) =>
      rows
        .map((row) => {
          const checked = row.getAttribute('aria-checked');
          return {
            top: parseFloat((row as unknown as { style?: { top?: string } }).style?.top ?? '0'),
            label: row.querySelector('.quick-input-list-row .label-name')?.textContent?.trim() ?? '',
            description: row.querySelector('.quick-input-list-row .label-description')?.textContent?.trim() ?? '',
            checked: checked === null ? undefined : checked === 'true',
          };
        })
        .sort((a, b) => a.top - b.top)
        .map(({ label, description, checked }) => ({ label, description, checked })),
    );
}

/** Ticks or unticks the quick pick row whose label is `label` (a RegExp matches the label text). */
export async function setQuickPickChecked(page: Page, label: string | RegExp, checked: boolean): Promise<void> {
  const labelText = typeof label === 'string' ? new RegExp(`^${escapeRegex(label)}$`) : label;
  const row = quickInput(page)
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.quick-input-list-row .label-name', { hasText: labelText }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  if ((await row.getAttribute('aria-checked')) === String(checked)) return;
  // A hover card of the previous row can lie over this one; the click goes to the row's label itself.
  await row.locator('.quick-input-list-label').first().dispatchEvent('click');
  await eventually(async () => row.getAttribute('aria-checked'), (v) => v === String(checked), 10_000, `"${String(label)}" to be ${checked ? 'ticked' : 'unticked'}`);
}

/** Accepts the quick pick or input box that is open (Enter in its input). */
export async function acceptQuickInput(page: Page): Promise<void> {
  await quickInput(page).locator('.quick-input-box input').first().focus();
  await page.keyboard.press('Enter');
}

export async function typeIntoQuickInput(page: Page, text: string): Promise<void> {
  const input = quickInput(page).locator('.quick-input-box input').first();
  await input.fill(text);
}

// ---- workspace settings ----------------------------------------------------------------------

export interface ExtraConnection {
  name: string;
  kind?: 'postgres' | 'pgbouncer';
  host: string;
  port: number;
  user: string;
  database: string;
  ssl?: 'disable' | 'prefer' | 'require' | 'verify-full';
}

/** Puts a settings file back; resolves when `settled` says VS Code has taken it in (if given). */
export type RestoreSettings = (settled?: () => Promise<boolean>) => Promise<void>;

/**
 * Adds connections to the workspace's pgHealth.connections by editing .vscode/settings.json on disk,
 * as a user would; VS Code picks the change up by itself.
 */
export function addConnections(workspace: string, connections: ExtraConnection[]): RestoreSettings {
  return editWorkspaceSettings(workspace, (settings) => {
    const existing = Array.isArray(settings['pgHealth.connections']) ? (settings['pgHealth.connections'] as unknown[]) : [];
    settings['pgHealth.connections'] = [...existing, ...connections];
  });
}

/**
 * Changes .vscode/settings.json on disk and returns how to put it back. VS Code can miss a write
 * that follows one of its own within the same moment (it had just saved the file itself), so the
 * original is written twice, the second time one byte longer, and again until `settled`.
 */
export function editWorkspaceSettings(workspace: string, edit: (settings: Record<string, unknown>) => void): RestoreSettings {
  const file = path.join(workspace, '.vscode', 'settings.json');
  const original = fs.readFileSync(file, 'utf8');
  const settings = JSON.parse(original) as Record<string, unknown>;
  edit(settings);
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  return async (settled) => {
    fs.writeFileSync(file, original);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    fs.writeFileSync(file, original.endsWith('\n') ? original.slice(0, -1) : original + '\n');
    if (!settled) return;
    const deadline = Date.now() + 45_000;
    for (let i = 0; !(await settled()); i++) {
      if (Date.now() > deadline) throw new Error(`VS Code did not take in the restored ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      if (i % 5 === 4) fs.writeFileSync(file, i % 10 === 4 ? original + '\n' : original);
    }
  };
}

/** Runs a command from the command palette by its full title ("PostgreSQL Health: Refresh"). */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  const input = quickInput(page).locator('.quick-input-box input').first();
  // F1 can be lost while the workbench moves focus (a notification, a view that was just redrawn).
  await pressUntilVisible(page, 'F1', input, input, 5_000, 15_000, 'the command palette to open');
  await input.fill(`>${title}`);
  const row = quickInput(page)
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegex(title)}$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}
