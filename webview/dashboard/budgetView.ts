// The pool budget: the pools the workspace constructs that may connect to this database, each pool's
// maximum per process and its replicas (pgHealth.pools.replicas), their sum against capacity, and
// the sessions the server shows now per application_name. A row opens its constructor.
import * as l10n from '@vscode/l10n';
import { DashboardPayload, PoolBudgetView } from '../../src/dashboard/protocol';
import { h, replaceContent } from './dom';
import { button, dataGrid, GridRow } from './toolkit';
import { post } from './vscodeApi';

function grid(budget: PoolBudgetView): HTMLElement {
  return dataGrid(
    [
      { title: l10n.t('Pool'), width: '2fr' },
      { title: l10n.t('Driver'), width: '1fr' },
      { title: l10n.t('Size per process'), width: '2fr' },
      { title: l10n.t('Replicas'), width: '6em' },
      { title: l10n.t('At most'), width: '6em' },
      { title: 'application_name', width: '1.5fr' },
      { title: l10n.t('Sessions now'), width: '7em' },
    ],
    budget.rows.map(
      (row, index): GridRow => ({
        attributes: { 'data-testid': 'pool-row' },
        cells: [
          button(row.place, () => post({ type: 'openPool', index }), { testId: 'open-pool', title: l10n.t('Open where the pool is constructed'), ariaLabel: l10n.t('Open the pool at {0}', row.place) }),
          row.kind,
          row.how + (row.database === null ? ` · ${l10n.t('database not named in the code')}` : ''),
          String(row.replicas),
          h('span', { 'data-testid': 'pool-total' }, row.total),
          row.applicationName ?? '—',
          row.now === null ? '—' : String(row.now),
        ],
      }),
    ),
    { 'data-testid': 'pool-budget-grid', 'aria-label': l10n.t('The pools of the workspace and the connections each may open') },
  );
}

export function createBudgetView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', {});
  const element = h('section', { class: 'card budget', 'aria-labelledby': 'budget-title', 'data-testid': 'pool-budget' }, h('h2', { id: 'budget-title' }, l10n.t('Pool budget')), body);
  let lastKey = '';
  return {
    element,
    update(payload) {
      const budget = payload.budget;
      const key = JSON.stringify(budget ?? null);
      if (key === lastKey) return;
      lastKey = key;
      if (!budget) {
        replaceContent(body, [
          h('p', { class: 'placeholder', 'data-testid': 'no-pools' }, l10n.t('No pool of the workspace is known to connect here. Analyze Workspace finds the pools the code constructs (node-postgres, psycopg2, psycopg_pool, asyncpg, SQLAlchemy).')),
        ]);
        return;
      }
      replaceContent(body, [
        h('p', { class: budget.overCapacity ? 'over-capacity' : '', 'data-testid': 'pool-budget-summary' }, budget.summary),
        grid(budget),
        h('p', { class: 'muted' }, l10n.t('Replicas come from the setting pgHealth.pools.replicas (processes per application_name, "*" for the rest; 1 when unset).')),
      ]);
    },
  };
}
