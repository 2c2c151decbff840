import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { Locator, Page } from 'playwright-core';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import {
  backendPid,
  chooseForDialog,
  chooseOnRow,
  closeMenus,
  collapse,
  databaseChildren,
  dismissLeftovers,
  exactRow,
  expand,
  openContextMenu,
  openSessions,
  readTree,
  serverSessions,
  sessionRow,
  TestSessions,
  TreeRowText,
} from './sessionsHelpers';
import { clickDialogButton, eventually, openDatabasesView } from './workbench';

const DATABASE = 'test-db';
const STATES = ['active', 'idle in transaction', 'idle in transaction (aborted)', 'idle'] as const;

interface GroupText {
  label: string;
  count: number;
  sessions: TreeRowText[];
}

/** The groups under test-db with their counts and the session rows shown under each. */
function groupsOf(rows: TreeRowText[]): GroupText[] {
  const groups: GroupText[] = [];
  for (const row of databaseChildren(rows, DATABASE)) {
    if (row.level === 2) groups.push({ label: row.label, count: Number(row.description), sessions: [] });
    else if (row.level === 3) groups.at(-1)?.sessions.push(row);
  }
  return groups;
}

function pidOf(row: TreeRowText): number {
  return Number(/^(\d+)/.exec(row.label)?.[1] ?? NaN);
}

/** Expands test-db and the given state groups under it. */
async function expandGroups(page: Page, states: readonly string[]): Promise<Locator> {
  const tree = await openDatabasesView(page);
  await expand(exactRow(tree, DATABASE, 1));
  for (const state of states) {
    const group = exactRow(tree, state, 2);
    await group.first().waitFor({ state: 'visible', timeout: 60_000 });
    await expand(group);
  }
  return tree;
}

describe('Sessions in the Databases tree', () => {
  before(async () => dismissLeftovers((await environment()).page));

  let probe: Client | undefined;
  let sessions: TestSessions | undefined;

  afterEach(async () => {
    await closeMenus((await environment()).page).catch(() => undefined);
    await sessions?.close();
    sessions = undefined;
  });

  after(async () => {
    await probe?.end().catch(() => undefined);
    const { page } = await environment();
    // Leave the tree as the other suites found it.
    const tree = await openDatabasesView(page);
    await collapse(exactRow(tree, DATABASE, 1)).catch(() => undefined);
  });

  it('groups the sessions by state with the counts the server shows, pid first, and marks the monitor', async () => {
    const { pg, page } = await environment();
    probe = await pg.connect();
    const probePid = await backendPid(probe);
    sessions = await openSessions(pg, 'e2e-sessions', ['idle', 'active', 'idle in transaction', 'idle in transaction (aborted)']);
    const mine = sessions;
    const tree = await expandGroups(page, STATES);

    const seen = await eventually(
      async () => {
        const groups = groupsOf(await readTree(tree));
        const server = await serverSessions(probe as Client);
        const monitorRow = groups.flatMap((g) => g.sessions).find((r) => r.description.includes('(this monitor)'));
        const monitorPid = monitorRow ? pidOf(monitorRow) : undefined;
        // The monitor reads pg_stat_activity while it runs, so it sees itself active; it sees the probe between queries, idle.
        const expected: Record<string, number> = {};
        for (const s of server) {
          const state = s.pid === monitorPid ? 'active' : s.pid === probePid ? 'idle' : (s.state ?? 'unknown');
          expected[state] = (expected[state] ?? 0) + 1;
        }
        const shown = Object.fromEntries(groups.map((g) => [g.label, g.count]));
        return { groups, shown, expected, monitorPid, server };
      },
      (v) =>
        v.monitorPid !== undefined &&
        JSON.stringify(Object.entries(v.shown).sort()) === JSON.stringify(Object.entries(v.expected).sort()) &&
        mine.sessions.every((s) => v.groups.find((g) => g.label === s.state)?.sessions.some((r) => pidOf(r) === s.pid)),
      60_000,
      'the state groups to show the server\'s counts and each test session under its state',
    );

    for (const s of mine.sessions) {
      const row = seen.groups.find((g) => g.label === s.state)?.sessions.find((r) => pidOf(r) === s.pid);
      assert.ok(row, `pid ${s.pid} is under "${s.state}"`);
      assert.match(row.label, new RegExp(`^${s.pid} · postgres · ${s.applicationName}$`), 'the label starts with the pid');
      assert.ok(row.description.startsWith(s.state), `the description "${row.description}" starts with the state`);
    }
    for (const g of seen.groups) assert.equal(g.sessions.length, g.count, `group "${g.label}" lists as many rows as its count`);

    // The monitor's own session: named 'pg-health monitor' while its refresh runs (so in the tree, which
    // shows what the refresh saw), known to the server between refreshes by its statements' mark (it
    // sends no application_name at connect: a pooler would pass it on), and never terminable from the menu.
    const monitor = seen.server.find((s) => s.pid === seen.monitorPid);
    assert.match(monitor?.query ?? '', /^\/\* pg-health monitor/);
    const monitorGroup = seen.groups.find((g) => g.sessions.some((r) => pidOf(r) === seen.monitorPid));
    const monitorRow = monitorGroup?.sessions.find((r) => pidOf(r) === seen.monitorPid);
    assert.match(monitorRow?.label ?? '', new RegExp(`^${seen.monitorPid} · postgres · pg-health monitor`));
    const monitorMenu = await openContextMenu(page, sessionRow(tree, seen.monitorPid as number));
    await closeMenus(page);
    assert.ok(monitorMenu.includes('Copy Query'), `monitor menu: ${monitorMenu.join(', ')}`);
    assert.ok(!monitorMenu.includes('Terminate Backend') && !monitorMenu.includes('Cancel Query'), `monitor menu: ${monitorMenu.join(', ')}`);
    await screenshot(page, 'sessions-tree');
  });

  it('Terminate Backend asks with the pid, Cancel keeps the session, confirming ends it in the server and the tree', async () => {
    const { pg, page } = await environment();
    probe ??= await pg.connect();
    sessions = await openSessions(pg, 'e2e-sessions-terminate', ['idle']);
    const target = sessions.sessions[0];
    assert.ok(target);
    const tree = await expandGroups(page, ['idle']);
    const row = sessionRow(tree, target.pid);
    await row.first().waitFor({ state: 'visible', timeout: 60_000 });

    // A right-click that lands as the tree re-renders the row gets "Please try again"; chooseForDialog tries again, as a user would.
    const { menu, dialog } = await chooseForDialog(page, row, 'Terminate Backend');
    for (const item of ['Terminate Backend', 'Copy Query', 'Open Query']) assert.ok(menu.includes(item), `session menu: ${menu.join(', ')}`);
    // An idle session runs no query: there is nothing to cancel.
    for (const item of ['Cancel Query', 'Open Dashboard', 'Edit Connection', 'Remove Connection']) assert.ok(!menu.includes(item), `session menu: ${menu.join(', ')}`);
    let text = dialog;
    assert.match(text, new RegExp(`Terminate backend ${target.pid} on ${DATABASE}\\?`));
    assert.match(text, new RegExp(`pid: ${target.pid}`));
    assert.match(text, /application: e2e-sessions-terminate-idle-1/);
    await clickDialogButton(page, 'Cancel');
    await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: 10_000 });
    // Cancelling sends nothing: after the tree refreshed a few times the session is still there.
    const before = await row.first().locator('.label-description').textContent();
    await eventually(async () => row.first().locator('.label-description').textContent(), (d) => d !== before, 30_000, 'the tree to refresh');
    assert.deepEqual((await serverSessions(probe, [target.pid])).map((s) => s.pid), [target.pid], 'Cancel terminated nothing');

    text = (await chooseForDialog(page, row, 'Terminate Backend')).dialog;
    assert.match(text, new RegExp(`pid: ${target.pid}`));
    await clickDialogButton(page, 'Terminate Backend');
    await eventually(async () => (await serverSessions(probe as Client, [target.pid])).length, (n) => n === 0, 30_000, 'the backend to leave pg_stat_activity');
    await eventually(async () => row.count(), (n) => n === 0, 30_000, 'the session row to leave the tree');
    await eventually(
      async () => page.locator('.notifications-toasts .notification-toast').allInnerTexts(),
      (texts) => texts.some((t) => t.includes(`Backend ${target.pid} was terminated.`)),
      20_000,
      'a notification that the backend was terminated',
    );
    await screenshot(page, 'sessions-terminated');
    await page.keyboard.press('Escape');
  });

  it('Cancel Query ends a running pg_sleep(60) with 57014 and the session stays connected', async () => {
    const { pg, page } = await environment();
    probe ??= await pg.connect();
    sessions = await openSessions(pg, 'e2e-sessions-cancel', ['active']);
    const target = sessions.sessions[0];
    assert.ok(target?.running);
    const outcome = target.running.then(
      () => 'completed',
      (err: unknown) => (err as { code?: string }).code ?? String(err),
    );
    const tree = await expandGroups(page, ['active', 'idle']);
    const row = sessionRow(tree, target.pid);
    await row.first().waitFor({ state: 'visible', timeout: 60_000 });
    const { menu, dialog: text } = await chooseForDialog(page, row, 'Cancel Query');
    for (const item of ['Cancel Query', 'Terminate Backend']) assert.ok(menu.includes(item), `active session menu: ${menu.join(', ')}`);
    assert.match(text, new RegExp(`backend ${target.pid} on ${DATABASE}`));
    assert.match(text, /pg_sleep\(60\)/, 'the dialog shows the query');
    await clickDialogButton(page, 'Cancel Query');
    const code = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    assert.equal(code, '57014', 'the query failed with query_canceled');
    const after = await serverSessions(probe, [target.pid]);
    assert.equal(after.length, 1, 'the session is still in pg_stat_activity');
    assert.equal(after[0]?.state, 'idle');
    // The client can go on using its connection.
    const { rows } = await target.client.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]?.one, 1);
    await eventually(
      async () => groupsOf(await readTree(tree)).find((g) => g.sessions.some((r) => pidOf(r) === target.pid))?.label,
      (label) => label === 'idle',
      30_000,
      'the session to move to the idle group',
    );
    await page.keyboard.press('Escape');
  });
  it('a right-click on a session row reaches that session, or says to try again, while a busy server reshapes the tree', async () => {
    const { pg, page } = await environment();
    sessions = await openSessions(pg, 'e2e-sessions-menu', ['idle']);
    const target = sessions.sessions[0];
    assert.ok(target);
    // A client that is active half of the time moves between the groups on every poll, as on a busy server.
    const flipper = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, application_name: 'e2e-sessions-flipper' });
    flipper.on('error', () => undefined);
    await flipper.connect();
    let flipping = true;
    const flips = (async () => {
      while (flipping) {
        await flipper.query('SELECT pg_sleep(0.4)').catch(() => undefined);
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    try {
      const tree = await expandGroups(page, ['idle']);
      const row = sessionRow(tree, target.pid);
      await row.first().waitFor({ state: 'visible', timeout: 60_000 });
      let reached = 0;
      for (let i = 0; i < 10; i++) {
        // Terminate Backend asks first, naming the pid; the dialog is cancelled below.
        const { dialog } = await chooseOnRow(page, row, 'Terminate Backend');
        if (dialog === undefined) continue;
        assert.match(dialog, new RegExp(`pid: ${target.pid}`), `attempt ${i + 1} reached that session`);
        reached++;
        await clickDialogButton(page, 'Cancel');
        await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: 10_000 });
      }
      assert.ok(reached >= 8, `${reached} of 10 right-clicks reached the session`);
    } finally {
      flipping = false;
      await flips;
      await flipper.end().catch(() => undefined);
    }
  });
});
