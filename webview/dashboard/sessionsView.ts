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

/**
 * Grids are rebuilt only when their rows change (who, not how long): the snapshot arrives every
 * second or two, and a grid rebuilt each time drops a click whose press and release straddle a
 * refresh, a hover, and a text selection. Between rebuilds only the ageing texts are rewritten.
 */
interface StableGrid<R> {
  update(rows: readonly R[]): void;
}

function stableGrid<R, P>(
  container: HTMLElement,
  identity: (row: R) => unknown,
  build: (rows: readonly R[]) => { element: HTMLElement; parts: P[] },
  refresh: (part: P, row: R) => void,
): StableGrid<R> {
  let key: string | undefined;
  let parts: P[] = [];
  return {
    update(rows) {
      const next = JSON.stringify(rows.map(identity));
      if (next !== key) {
        key = next;
        const built = build(rows);
        parts = built.parts;
        replaceContent(container, [built.element]);
        return;
      }
      rows.forEach((row, i) => {
        const part = parts[i];
        if (part !== undefined) refresh(part, row);
      });
    },
  };
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function oldestText(row: GroupRow): string {
  return row.oldestPid === null ? '—' : `pid ${row.oldestPid}, connected ${formatDuration(row.oldestSeconds)}`;
}

function groupGrid(container: HTMLElement, dimension: GroupDimension, column: string): StableGrid<GroupRow> {
  return stableGrid<GroupRow, HTMLElement>(
    container,
    (row) => [row.label, row.count, row.oldestPid],
    (rows) => {
      if (rows.length === 0) return { element: h('p', { class: 'placeholder' }, 'No sessions.'), parts: [] };
      const oldest = rows.map((row) => h('span', {}, oldestText(row)));
      const element = dataGrid(
        [
          { title: column, width: '3fr' },
          { title: 'Sessions', width: '1fr' },
          { title: 'Oldest session', width: '2fr' },
        ],
        rows.map(
          (row, i): GridRow => ({
            attributes: { 'data-testid': 'group-row', 'data-dimension': dimension },
            cells: [h('span', { 'data-testid': 'group-label' }, row.label), h('span', { 'data-testid': 'group-count' }, row.count), oldest[i]],
          }),
        ),
        { 'data-testid': `top-${dimension}`, 'aria-label': `Sessions by ${column}` },
      );
      return { element, parts: oldest };
    },
    (span, row) => setText(span, oldestText(row)),
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
    { testId: 'terminate-button', pid: row.pid, title: `Terminate backend ${row.pid} (asks for confirmation)`, ariaLabel: `Terminate backend ${row.pid}` },
  );
}

function goToCodeButton(row: IdleInTransactionRow): HTMLElement {
  return button('Go to Code', () => post({ type: 'goToCode', pid: row.pid, backendStart: row.backendStart }), {
    testId: 'go-to-code-button',
    pid: row.pid,
    title: 'Open the code that sent this session\'s last query',
    ariaLabel: `Go to the code of backend ${row.pid}`,
  });
}

interface IdleInTransactionParts {
  idle: HTMLElement;
  transaction: HTMLElement;
  query: HTMLElement;
  queryText: string | null;
  terminate: HTMLElement;
}

function idleText(row: IdleInTransactionRow): string {
  return formatDuration(row.idleSeconds) + (row.aborted ? ' (aborted)' : '');
}

function idleInTransactionGrid(container: HTMLElement): StableGrid<IdleInTransactionRow> {
  return stableGrid<IdleInTransactionRow, IdleInTransactionParts>(
    container,
    (row) => [row.pid, row.backendStart, row.user, row.application, row.clientAddress, row.aborted, row.cannotTerminate, row.leak],
    (rows) => {
      if (rows.length === 0) {
        return { element: h('p', { class: 'placeholder', 'data-testid': 'no-idle-in-transaction' }, 'No session is idle in a transaction.'), parts: [] };
      }
      const parts = rows.map(
        (row): IdleInTransactionParts => ({
          idle: h('span', { 'data-testid': 'iit-idle' }, idleText(row)),
          transaction: h('span', {}, formatDuration(row.transactionSeconds)),
          query: h('span', {}, query(row.query), row.leak ? h('div', { class: 'leak', 'data-testid': 'iit-leak' }, row.leak) : null),
          queryText: row.query,
          terminate: terminateCell(row),
        }),
      );
      const element = dataGrid(
        [
          // Fixed widths fit a 7-digit pid, "59 min 59 s (aborted)" and the headers on one line.
          { title: 'PID', width: '6em' },
          { title: 'User', width: '1fr' },
          { title: 'Application', width: '2fr' },
          { title: 'Client', width: '1fr' },
          { title: 'Idle for', width: '8em' },
          { title: 'In transaction', width: '10em' },
          { title: 'Last query', width: '3fr' },
          { title: '', width: '15em' },
        ],
        rows.map((row, i): GridRow => {
          const p = parts[i] as IdleInTransactionParts;
          return {
            attributes: { 'data-testid': 'idle-in-transaction-row', 'data-pid': row.pid },
            cells: [h('span', { 'data-testid': 'iit-pid' }, row.pid), row.user ?? '—', row.application ?? '—', row.clientAddress ?? 'local', p.idle, p.transaction, p.query, h('span', { class: 'row-actions' }, goToCodeButton(row), p.terminate)],
          };
        }),
        { 'data-testid': 'idle-in-transaction-grid', 'aria-label': 'Sessions idle in transaction, longest first' },
      );
      return { element, parts };
    },
    (p, row) => {
      setText(p.idle, idleText(row));
      setText(p.transaction, formatDuration(row.transactionSeconds));
      if (p.queryText !== row.query) {
        p.queryText = row.query;
        replaceContent(p.query, [query(row.query), row.leak ? h('div', { class: 'leak', 'data-testid': 'iit-leak' }, row.leak) : null]);
      }
      // A new snapshot: a click that was answered (or cancelled in the host's dialog) may be made again.
      if (p.terminate.getAttribute('data-testid') === 'terminate-button') setButtonDisabled(p.terminate, false);
    },
  );
}

export function createSessionsView(options: { tab?: string; onTabChange?: (tab: string) => void } = {}): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const chosen = DIMENSIONS.some((d) => d.id === options.tab) ? options.tab : undefined;
  const topTabs = tabs(
    DIMENSIONS.map((d) => ({ id: d.id, title: d.title })),
    { 'aria-label': 'Who holds the connections', ...(chosen ? { activeid: `tab-${chosen}` } : {}) },
  );
  // The toolkit's panels report the chosen tab by its id ("tab-user").
  topTabs.element.addEventListener('change', () => {
    const active = (topTabs.element as HTMLElement & { activeid?: string }).activeid ?? topTabs.element.getAttribute('activeid') ?? '';
    const id = active.replace(/^tab-/, '');
    if (DIMENSIONS.some((d) => d.id === id)) options.onTabChange?.(id);
  });
  const groupGrids = DIMENSIONS.flatMap((d) => {
    const view = topTabs.views.get(d.id);
    return view ? [{ id: d.id, grid: groupGrid(view, d.id, d.column) }] : [];
  });
  const iitBody = h('div', {});
  const iitGrid = idleInTransactionGrid(iitBody);
  const iitMore = h('p', { class: 'muted' });
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
      iitMore,
    ),
  );
  return {
    element,
    update(payload) {
      const live = payload.live;
      for (const { id, grid } of groupGrids) grid.update(live?.groups[id] ?? []);
      const rows = live?.idleInTransaction ?? [];
      const more = live?.idleInTransactionMore ?? 0;
      iitCount.textContent = String(rows.length + more);
      iitGrid.update(rows);
      iitMore.textContent = more > 0 ? `and ${plural(more, 'more session')} (export the CSV for all).` : '';
      iitMore.hidden = more === 0;
    },
  };
}
