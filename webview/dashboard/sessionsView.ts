// Who holds the connections: top tables by application, user, client address and database, and
// the idle-in-transaction sessions longest first with Terminate (the host confirms).
import { DashboardPayload, GroupDimension, GroupRow, IdleInTransactionRow } from '../../src/dashboard/protocol';
import { h, replaceContent } from './dom';
import { formatDuration, plural } from './format';
import { button, dataGrid, GridRow, setButtonDisabled, tabs } from './toolkit';
import { post } from './vscodeApi';

const DIMENSIONS: ReadonlyArray<{ id: GroupDimension; title: string; column: string }> = [
  { id: 'application', title: 'Applications', column: 'application_name' },
  { id: 'user', title: 'Users', column: 'User' },
  { id: 'clientAddress', title: 'Client addresses', column: 'Client address' },
  { id: 'database', title: 'Databases', column: 'Database' },
];

/** Queries can be long; the grid shows the start and the tooltip the whole text. */
const QUERY_PREVIEW = 160;

function groupGrid(dimension: GroupDimension, column: string, rows: readonly GroupRow[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'placeholder' }, 'No sessions.');
  return dataGrid(
    [
      { title: column, width: '3fr' },
      { title: 'Sessions', width: '1fr' },
      { title: 'Oldest session', width: '2fr' },
    ],
    rows.map(
      (row): GridRow => ({
        attributes: { 'data-testid': 'group-row', 'data-dimension': dimension },
        cells: [
          h('span', { 'data-testid': 'group-label' }, row.label),
          h('span', { 'data-testid': 'group-count' }, row.count),
          row.oldestPid === null ? '—' : `pid ${row.oldestPid}, connected ${formatDuration(row.oldestSeconds)}`,
        ],
      }),
    ),
    { 'data-testid': `top-${dimension}`, 'aria-label': `Sessions by ${column}` },
  );
}

function query(text: string | null): HTMLElement {
  if (text === null) return h('span', { class: 'muted' }, '—');
  const preview = text.length > QUERY_PREVIEW ? `${text.slice(0, QUERY_PREVIEW)}…` : text;
  return h('code', { class: 'query', title: text }, preview);
}

function terminateCell(row: IdleInTransactionRow): HTMLElement {
  if (row.cannotTerminate !== null) return h('span', { class: 'muted', title: row.cannotTerminate, 'data-testid': 'cannot-terminate', 'data-pid': row.pid }, 'not allowed');
  return button(
    'Terminate',
    (target) => {
      // The host asks for confirmation; disabled until the next snapshot so one click sends one request.
      setButtonDisabled(target, true);
      post({ type: 'terminate', pid: row.pid, backendStart: row.backendStart });
    },
    { testId: 'terminate-button', pid: row.pid, title: `Terminate backend ${row.pid} (asks for confirmation)` },
  );
}

function idleInTransactionGrid(rows: readonly IdleInTransactionRow[]): HTMLElement {
  return dataGrid(
    [
      { title: 'PID', width: '5em' },
      { title: 'User', width: '1fr' },
      { title: 'Application', width: '1.5fr' },
      { title: 'Client', width: '1fr' },
      { title: 'Idle for', width: '8em' },
      { title: 'Transaction open for', width: '8em' },
      { title: 'Last query', width: '3fr' },
      { title: '', width: '9em' },
    ],
    rows.map(
      (row): GridRow => ({
        attributes: { 'data-testid': 'idle-in-transaction-row', 'data-pid': row.pid },
        cells: [
          h('span', { 'data-testid': 'iit-pid' }, row.pid),
          row.user ?? '—',
          row.application ?? '—',
          row.clientAddress ?? 'local',
          h('span', { 'data-testid': 'iit-idle' }, formatDuration(row.idleSeconds), row.aborted ? ' (aborted)' : ''),
          formatDuration(row.transactionSeconds),
          query(row.query),
          terminateCell(row),
        ],
      }),
    ),
    { 'data-testid': 'idle-in-transaction-grid', 'aria-label': 'Sessions idle in transaction, longest first' },
  );
}

export function createSessionsView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const topTabs = tabs(DIMENSIONS.map((d) => ({ id: d.id, title: d.title })), { 'aria-label': 'Who holds the connections' });
  const iitBody = h('div', {});
  const iitCount = h('span', { 'data-testid': 'idle-in-transaction-count' }, '0');
  const element = h(
    'div',
    { class: 'sessions' },
    h('section', { class: 'card', 'aria-labelledby': 'who-title' }, h('h2', { id: 'who-title' }, 'Who holds the connections'), topTabs.element),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'iit-title' },
      h('h2', { id: 'iit-title' }, 'Idle in transaction (', iitCount, ')'),
      h('p', { class: 'muted' }, 'A session idle in a transaction keeps its slot, its locks and its snapshot until the application commits or rolls back.'),
      iitBody,
    ),
  );
  return {
    element,
    update(payload) {
      const live = payload.live;
      for (const d of DIMENSIONS) {
        const view = topTabs.views.get(d.id);
        if (view) replaceContent(view, [groupGrid(d.id, d.column, live?.groups[d.id] ?? [])]);
      }
      const rows = live?.idleInTransaction ?? [];
      iitCount.textContent = String(rows.length + (live?.idleInTransactionMore ?? 0));
      replaceContent(iitBody, [
        rows.length === 0 ? h('p', { class: 'placeholder', 'data-testid': 'no-idle-in-transaction' }, 'No session is idle in a transaction.') : idleInTransactionGrid(rows),
        live && live.idleInTransactionMore > 0 ? h('p', { class: 'muted' }, `and ${plural(live.idleInTransactionMore, 'more session')} (export the CSV for all).`) : null,
      ]);
    },
  };
}
