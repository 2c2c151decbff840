import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import {
  acceptQuickInput,
  chooseUntilOpened,
  closeMenus,
  collapse,
  dismissLeftovers,
  editWorkspaceSettings,
  exactRow,
  expand,
  openContextMenu,
  openQuickInputTitle,
  openSessions,
  quickInput,
  QuickPickRow,
  readQuickPick,
  RestoreSettings,
  runFromPalette,
  serverSessions,
  sessionRow,
  setQuickPickChecked,
  TestSessions,
  typeIntoQuickInput,
  waitForQuickInput,
} from './sessionsHelpers';
import { eventually, openDatabasesView } from './workbench';

/** A monitor's backend (this window's or another's): every statement it sends starts with its mark. */
const isMonitor = (s: { query: string | null }): boolean => /^\/\* pg-health monitor/.test(s.query ?? '');

const DATABASE = 'test-db';
const MIN_AGE_SECONDS = 5;
const CHOSEN_STATES = ['idle', 'idle in transaction'];

function pidOf(row: QuickPickRow): number {
  return Number(/^(\d+)/.exec(row.label)?.[1] ?? NaN);
}

describe('Terminate Idle Sessions', () => {
  before(async () => dismissLeftovers((await environment()).page));

  let probe: Client | undefined;
  let sessions: TestSessions | undefined;
  let others: TestSessions | undefined;
  let restoreSettings: RestoreSettings | undefined;

  afterEach(async () => {
    const { page } = await environment();
    await page.keyboard.press('Escape').catch(() => undefined);
    await restoreSettings?.();
    restoreSettings = undefined;
    await sessions?.close();
    await others?.close();
    sessions = others = undefined;
    const tree = await openDatabasesView(page);
    await collapse(exactRow(tree, DATABASE, 1)).catch(() => undefined);
  });

  after(async () => {
    await probe?.end().catch(() => undefined);
  });

  it('previews exactly the sessions in the chosen states and age, and terminates exactly the ticked ones', async () => {
    const { pg, page } = await environment();
    probe = await pg.connect();
    sessions = await openSessions(pg, 'e2e-idle', ['idle', 'idle', 'idle in transaction', 'idle in transaction (aborted)', 'active']);
    const mine = sessions;
    const [idle1, idle2] = mine.byState('idle');
    const [inTransaction] = mine.byState('idle in transaction');
    const [aborted] = mine.byState('idle in transaction (aborted)');
    const [active] = mine.byState('active');
    assert.ok(idle1 && idle2 && inTransaction && aborted && active);

    const tree = await openDatabasesView(page);
    await expand(exactRow(tree, DATABASE, 1));
    await expand(exactRow(tree, 'idle', 2));
    await sessionRow(tree, idle1.pid).first().waitFor({ state: 'visible', timeout: 60_000 });

    // Old enough that they match a minimum age of 5 s with room to spare.
    await eventually(
      async () => serverSessions(probe as Client, mine.pids()),
      (rows) => rows.length === mine.sessions.length && rows.every((r) => (r.stateSeconds ?? 0) >= MIN_AGE_SECONDS + 3),
      30_000,
      'the test sessions to age',
    );

    const { menu } = await chooseUntilOpened(page, exactRow(tree, DATABASE, 1), 'Terminate Idle Sessions…', () => openQuickInputTitle(page));
    assert.ok(menu.includes('Terminate Idle Sessions…'), `database menu: ${menu.join(', ')}`);
    assert.ok(!menu.includes('Terminate Backend'), `database menu: ${menu.join(', ')}`);

    // 1/3: the states, all three idle states ticked by default.
    await waitForQuickInput(page, '(1/3)');
    const stateRows = await readQuickPick(page);
    assert.deepEqual(
      stateRows.map((r) => [r.label, r.checked]),
      [
        ['idle', true],
        ['idle in transaction', true],
        ['idle in transaction (aborted)', true],
      ],
    );
    await setQuickPickChecked(page, 'idle in transaction (aborted)', false);
    await acceptQuickInput(page);

    // 2/3: the minimum age.
    await waitForQuickInput(page, '(2/3)');
    await typeIntoQuickInput(page, String(MIN_AGE_SECONDS));
    await acceptQuickInput(page);

    // 3/3: the preview.
    await waitForQuickInput(page, '(3/3)');
    const shownAt = Date.now();
    const preview = await eventually(async () => readQuickPick(page), (rows) => rows.length > 0, 10_000, 'the preview rows');
    const server = await serverSessions(probe);
    const elapsed = (Date.now() - shownAt) / 1000;
    await screenshot(page, 'terminate-idle-preview');
    const previewPids = preview.map(pidOf);
    assert.ok(preview.every((r) => r.checked === true), 'every previewed session starts ticked');
    for (const s of [idle1, idle2, inTransaction]) assert.ok(previewPids.includes(s.pid), `${s.applicationName} (${s.pid}) is in the preview: ${previewPids.join(', ')}`);
    for (const s of [aborted, active]) assert.ok(!previewPids.includes(s.pid), `${s.applicationName} (${s.pid}) is not in the preview`);
    // Exactly the sessions that match, as the server sees them now (allowing for the seconds since the preview was built).
    for (const pid of previewPids) {
      const s = server.find((r) => r.pid === pid);
      assert.ok(s && s.state !== null && CHOSEN_STATES.includes(s.state) && (s.stateSeconds ?? 0) >= MIN_AGE_SECONDS, `preview row ${pid} matches: ${JSON.stringify(s)}`);
      assert.ok(!isMonitor(s), 'the monitor is never offered');
    }
    for (const s of server) {
      const clearlyMatches = s.state !== null && CHOSEN_STATES.includes(s.state) && (s.stateSeconds ?? 0) >= MIN_AGE_SECONDS + elapsed + 2 && !isMonitor(s);
      if (clearlyMatches) assert.ok(previewPids.includes(s.pid), `server session ${JSON.stringify(s)} matches but is not in the preview`);
    }
    const row = preview.find((r) => pidOf(r) === inTransaction.pid);
    assert.match(row?.description ?? '', /^idle in transaction \d+s$/);

    // Untick one of ours, and anything that is not ours: other suites' sessions are not ours to end.
    await setQuickPickChecked(page, new RegExp(`^${idle2.pid} `), false);
    for (const pid of previewPids) if (!mine.pids().includes(pid)) await setQuickPickChecked(page, new RegExp(`^${pid} `), false);
    const ticked = (await readQuickPick(page)).filter((r) => r.checked).map(pidOf);
    assert.deepEqual([...ticked].sort(), [idle1.pid, inTransaction.pid].sort());
    await acceptQuickInput(page);

    await eventually(
      async () => (await serverSessions(probe as Client, mine.pids())).map((r) => r.pid),
      (pids) => !pids.includes(idle1.pid) && !pids.includes(inTransaction.pid),
      30_000,
      'the ticked backends to leave pg_stat_activity',
    );
    const remaining = (await serverSessions(probe, mine.pids())).map((r) => r.pid).sort();
    assert.deepEqual(remaining, [idle2.pid, aborted.pid, active.pid].sort(), 'the unticked, aborted and active sessions remain');
    await eventually(
      async () => page.locator('.notifications-toasts .notification-toast').allInnerTexts(),
      (texts) => texts.some((t) => t.includes(`Terminated 2 of 2 sessions on ${DATABASE}.`)),
      20_000,
      'a notification saying how many went',
    );
    await eventually(async () => sessionRow(tree, idle1.pid).count(), (n) => n === 0, 30_000, 'the terminated session to leave the tree');
    assert.equal(await sessionRow(tree, idle2.pid).count(), 1, 'the unticked session is still in the tree');
    await screenshot(page, 'terminate-idle-done');
    await closeMenus(page);
  });
  it('is offered on the idle state groups with their state ticked, not on the active group', async () => {
    const { pg, page } = await environment();
    probe ??= await pg.connect();
    sessions = await openSessions(pg, 'e2e-idle-group', ['idle in transaction']);
    const [inTransaction] = sessions.sessions;
    assert.ok(inTransaction);
    const tree = await openDatabasesView(page);
    await expand(exactRow(tree, DATABASE, 1));
    const activeMenu = await openContextMenu(page, exactRow(tree, 'active', 2), true);
    await closeMenus(page);
    assert.ok(!activeMenu.includes('Terminate Idle Sessions…'), `active group menu: ${activeMenu.join(', ')}`);
    const { menu } = await chooseUntilOpened(page, exactRow(tree, 'idle in transaction', 2), 'Terminate Idle Sessions…', () => openQuickInputTitle(page));
    assert.ok(menu.includes('Terminate Idle Sessions…'), `idle in transaction group menu: ${menu.join(', ')}`);
    await waitForQuickInput(page, '(1/3)');
    assert.deepEqual(
      (await readQuickPick(page)).map((r) => [r.label, r.checked]),
      [
        ['idle', false],
        ['idle in transaction', true],
        ['idle in transaction (aborted)', false],
      ],
    );
    // Escape ends the flow and terminates nothing.
    await page.keyboard.press('Escape');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
    assert.deepEqual((await serverSessions(probe, [inTransaction.pid])).map((r) => r.state), ['idle in transaction']);
  });

  it('on an application group previews only that application\'s sessions', async () => {
    const { pg, page, workspace } = await environment();
    probe ??= await pg.connect();
    restoreSettings = editWorkspaceSettings(workspace, (settings) => {
      settings['pgHealth.groupBy'] = 'application';
    });
    sessions = await openSessions(pg, 'e2e-app', ['idle', 'idle in transaction'], 'e2e-app-a');
    others = await openSessions(pg, 'e2e-app', ['idle'], 'e2e-app-b');
    const mine = sessions;
    const tree = await openDatabasesView(page);
    await expand(exactRow(tree, DATABASE, 1));
    const group = exactRow(tree, 'e2e-app-a', 2);
    await eventually(async () => group.locator('.label-description').textContent(), (d) => d === '2', 60_000, 'the e2e-app-a group with its two sessions');
    await chooseUntilOpened(page, group, 'Terminate Idle Sessions…', () => openQuickInputTitle(page));
    await waitForQuickInput(page, 'application e2e-app-a (1/3)');
    await acceptQuickInput(page);
    await waitForQuickInput(page, '(2/3)');
    await typeIntoQuickInput(page, '0');
    await acceptQuickInput(page);
    await waitForQuickInput(page, '(3/3)');
    const preview = await eventually(async () => readQuickPick(page), (rows) => rows.length > 0, 10_000, 'the preview rows');
    assert.deepEqual(preview.map(pidOf).sort(), mine.pids().sort(), `the preview lists exactly e2e-app-a's sessions: ${JSON.stringify(preview)}`);
    await acceptQuickInput(page);
    await eventually(async () => (await serverSessions(probe as Client, mine.pids())).length, (n) => n === 0, 30_000, 'e2e-app-a\'s sessions to end');
    assert.equal((await serverSessions(probe, others.pids())).length, 1, 'e2e-app-b\'s session remains');
  });

  it('from the palette on a database it cannot reach, says so before asking anything', async () => {
    const { page } = await environment();
    await runFromPalette(page, 'PostgreSQL Health: Terminate Idle Sessions…');
    await waitForQuickInput(page, 'which database?');
    await typeIntoQuickInput(page, 'wrong-password');
    await acceptQuickInput(page);
    const toast = await eventually(
      async () => page.locator('.notifications-toasts .notification-toast').allInnerTexts(),
      (texts) => texts.some((t) => t.includes('wrong-password is not connected')),
      30_000,
      'an error saying the database is not connected',
    );
    assert.ok(toast.some((t) => /password/i.test(t)), `the reason is given: ${toast.join(' | ')}`);
    assert.equal(await quickInput(page).isVisible(), false, 'no state picker was opened');
    await page.keyboard.press('Escape');
  });
});
