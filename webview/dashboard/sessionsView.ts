// Who holds the connections: top tables by application, user, client address and database, and
// the idle-in-transaction sessions longest first with Terminate (the host confirms).
import * as l10n from '@vscode/l10n';
import { DashboardPayload, GroupDimension, GroupRow, IdleInTransactionRow } from '../../src/dashboard/protocol';
import { h, replaceContent } from './dom';
import { formatDuration } from './format';
import { fill } from './l10n';
import { button, dataGrid, GridRow, setButtonDisabled, tabs } from './toolkit';
import { post } from './vscodeApi';

const DIMENSIONS: readonly GroupDimension[] = ['application', 'user', 'clientAddress', 'database'];

/** A tab's title and its table's first column ("application_name" is pg_stat_activity's column, as applications set it). */
function dimensionText(id: GroupDimension): { title: string; column: string } {
  switch (id) {
    case 'application':
      return { title: l10n.t('Applications'), column: 'application_name' };
    case 'user':
      return { title: l10n.t('Users'), column: l10n.t({ message: 'User', comment: ['A column of a table of sessions'] }) };
    case 'clientAddress':
      return { title: l10n.t('Client addresses'), column: l10n.t({ message: 'Client address', comment: ['A column of a table of sessions'] }) };
    case 'database':
      return { title: l10n.t('Databases'), column: l10n.t({ message: 'Database', comment: ['A column of a table of sessions'] }) };
  }
}

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
  return row.oldestPid === null ? '—' : l10n.t('pid {0}, connected {1}', row.oldestPid, formatDuration(row.oldestSeconds));
}

function groupGrid(container: HTMLElement, dimension: GroupDimension, column: string): StableGrid<GroupRow> {
  return stableGrid<GroupRow, HTMLElement>(
    container,
    (row) => [row.label, row.count, row.oldestPid],
    (rows) => {
      if (rows.length === 0) return { element: h('p', { class: 'placeholder' }, l10n.t('No sessions.')), parts: [] };
      const oldest = rows.map((row) => h('span', {}, oldestText(row)));
      const element = dataGrid(
        [
          { title: column, width: '3fr' },
          { title: l10n.t({ message: 'Sessions', comment: ['A column of a table of sessions: how many'] }), width: '1fr' },
          { title: l10n.t({ message: 'Oldest session', comment: ['A column of a table of sessions'] }), width: '2fr' },
        ],
        rows.map(
          (row, i): GridRow => ({
            attributes: { 'data-testid': 'group-row', 'data-dimension': dimension },
            cells: [h('span', { 'data-testid': 'group-label' }, row.label), h('span', { 'data-testid': 'group-count' }, row.count), oldest[i]],
          }),
        ),
        { 'data-testid': `top-${dimension}`, 'aria-label': l10n.t('Sessions by {0}', column) },
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
  if (row.cannotTerminate !== null) {
    return h('span', { class: 'muted', title: row.cannotTerminate, 'data-testid': 'cannot-terminate', 'data-pid': row.pid }, l10n.t({ message: 'not allowed', comment: ['In place of the Terminate button'] }));
  }
  return button(
    l10n.t({ message: 'Terminate', comment: ['A button that terminates a session (after a confirmation)'] }),
    (target) => {
      // The host asks for confirmation; disabled until the next snapshot so one click sends one request.
      setButtonDisabled(target, true);
      post({ type: 'terminate', pid: row.pid, backendStart: row.backendStart });
    },
    { testId: 'terminate-button', pid: row.pid, title: l10n.t('Terminate backend {0} (asks for confirmation)', row.pid), ariaLabel: l10n.t('Terminate backend {0}', row.pid) },
  );
}

function goToCodeButton(row: IdleInTransactionRow): HTMLElement {
  return button(l10n.t({ message: 'Go to Code', comment: ['As the command is named (package.nls.json: command.goToCode.title)'] }), () => post({ type: 'goToCode', pid: row.pid, backendStart: row.backendStart }), {
    testId: 'go-to-code-button',
    pid: row.pid,
    title: l10n.t("Open the code that sent this session's last query"),
    ariaLabel: l10n.t('Go to the code of backend {0}', row.pid),
  });
}

function leakLine(row: IdleInTransactionRow): HTMLElement | null {
  return row.leak ? h('div', { class: 'leak', 'data-testid': 'iit-leak' }, row.leak) : null;
}

interface IdleInTransactionParts {
  idle: HTMLElement;
  transaction: HTMLElement;
  query: HTMLElement;
  queryText: string | null;
  terminate: HTMLElement;
}

function idleText(row: IdleInTransactionRow): string {
  return row.aborted ? l10n.t({ message: '{0} (aborted)', args: [formatDuration(row.idleSeconds)], comment: ['How long a session has been idle in a transaction that failed ("idle in transaction (aborted)")'] }) : formatDuration(row.idleSeconds);
}

function idleInTransactionGrid(container: HTMLElement): StableGrid<IdleInTransactionRow> {
  return stableGrid<IdleInTransactionRow, IdleInTransactionParts>(
    container,
    (row) => [row.pid, row.backendStart, row.user, row.application, row.clientAddress, row.aborted, row.cannotTerminate, row.leak],
    (rows) => {
      if (rows.length === 0) {
        return { element: h('p', { class: 'placeholder', 'data-testid': 'no-idle-in-transaction' }, l10n.t('No session is idle in a transaction.')), parts: [] };
      }
      const parts = rows.map(
        (row): IdleInTransactionParts => ({
          idle: h('span', { 'data-testid': 'iit-idle' }, idleText(row)),
          transaction: h('span', {}, formatDuration(row.transactionSeconds)),
          query: h('span', {}, query(row.query), leakLine(row)),
          queryText: row.query,
          terminate: terminateCell(row),
        }),
      );
      const element = dataGrid(
        [
          // Fixed widths fit a 7-digit pid, "59 min 59 s (aborted)" and the headers on one line.
          { title: l10n.t({ message: 'PID', comment: ['A column of a table of sessions: the backend\'s process id'] }), width: '6em' },
          { title: l10n.t({ message: 'User', comment: ['A column of a table of sessions'] }), width: '1fr' },
          { title: l10n.t({ message: 'Application', comment: ['A column of a table of sessions'] }), width: '2fr' },
          { title: l10n.t({ message: 'Client', comment: ['A column of a table of sessions'] }), width: '1fr' },
          { title: l10n.t({ message: 'Idle for', comment: ['A column of a table of sessions'] }), width: '8em' },
          { title: l10n.t({ message: 'In transaction', comment: ['A column of a table of sessions: how long its transaction has been open'] }), width: '10em' },
          { title: l10n.t({ message: 'Last query', comment: ['A column of a table of sessions'] }), width: '3fr' },
          { title: '', width: '15em' },
        ],
        rows.map((row, i): GridRow => {
          const p = parts[i] as IdleInTransactionParts;
          return {
            attributes: { 'data-testid': 'idle-in-transaction-row', 'data-pid': row.pid },
            cells: [
              h('span', { 'data-testid': 'iit-pid' }, row.pid),
              row.user ?? '—',
              row.application ?? '—',
              row.clientAddress ?? l10n.t({ message: 'local', comment: ['A client connected over a Unix socket'] }),
              p.idle,
              p.transaction,
              p.query,
              h('span', { class: 'row-actions' }, goToCodeButton(row), p.terminate),
            ],
          };
        }),
        { 'data-testid': 'idle-in-transaction-grid', 'aria-label': l10n.t('Sessions idle in transaction, longest first') },
      );
      return { element, parts };
    },
    (p, row) => {
      setText(p.idle, idleText(row));
      setText(p.transaction, formatDuration(row.transactionSeconds));
      if (p.queryText !== row.query) {
        p.queryText = row.query;
        replaceContent(p.query, [query(row.query), leakLine(row)]);
      }
      // A new snapshot: a click that was answered (or cancelled in the host's dialog) may be made again.
      if (p.terminate.getAttribute('data-testid') === 'terminate-button') setButtonDisabled(p.terminate, false);
    },
  );
}

export function createSessionsView(options: { tab?: string; onTabChange?: (tab: string) => void } = {}): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const chosen = DIMENSIONS.some((d) => d === options.tab) ? options.tab : undefined;
  const topTabs = tabs(
    DIMENSIONS.map((d) => ({ id: d, title: dimensionText(d).title })),
    { 'aria-label': l10n.t('Who holds the connections'), ...(chosen ? { activeid: `tab-${chosen}` } : {}) },
  );
  // The toolkit's panels report the chosen tab by its id ("tab-user").
  topTabs.element.addEventListener('change', () => {
    const active = (topTabs.element as HTMLElement & { activeid?: string }).activeid ?? topTabs.element.getAttribute('activeid') ?? '';
    const id = active.replace(/^tab-/, '');
    if (DIMENSIONS.some((d) => d === id)) options.onTabChange?.(id);
  });
  const groupGrids = DIMENSIONS.flatMap((d) => {
    const view = topTabs.views.get(d);
    return view ? [{ id: d, grid: groupGrid(view, d, dimensionText(d).column) }] : [];
  });
  const iitBody = h('div', {});
  const iitGrid = idleInTransactionGrid(iitBody);
  const iitMore = h('p', { class: 'muted' });
  const iitCount = h('span', { 'data-testid': 'idle-in-transaction-count' }, '0');
  const element = h(
    'div',
    { class: 'sessions' },
    h('section', { class: 'card', 'aria-labelledby': 'who-title' }, h('h2', { id: 'who-title' }, l10n.t('Who holds the connections')), topTabs.element),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'iit-title' },
      h('h2', { id: 'iit-title' }, ...fill(l10n.t('Idle in transaction ({count})'), { count: iitCount })),
      h('p', { class: 'muted' }, l10n.t('A session idle in a transaction keeps its slot, its locks and its snapshot until the application commits or rolls back.')),
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
      iitMore.textContent = more === 0 ? '' : more === 1 ? l10n.t('and 1 more session (export the CSV for all).') : l10n.t('and {0} more sessions (export the CSV for all).', more);
      iitMore.hidden = more === 0;
    },
  };
}
