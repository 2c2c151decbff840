// The Fleet: every PostgreSQL instance Prometheus knows (pgHealth.prometheus.url), the least
// headroom first, with its sessions now against capacity and its peak over the chart's range. A row
// of a configured connection opens its dashboard; an instance the editor can reach and does not
// watch yet can be added as a connection in one click.
import * as l10n from '@vscode/l10n';
import { DashboardPayload, FleetRow, FleetView } from '../../src/dashboard/protocol';
import { h, replaceContent } from './dom';
import { button, dataGrid, GridRow } from './toolkit';
import { post } from './vscodeApi';

function usageCell(row: FleetRow): string {
  if (row.up === false) return l10n.t('exporter cannot reach PostgreSQL (pg_up 0)');
  if (row.used === null) return l10n.t('no recent data');
  return row.capacity === null ? String(row.used) : `${row.used}/${row.capacity}`;
}

function action(row: FleetRow, current: string): HTMLElement | string {
  if (row.connection !== null) {
    if (row.connection === current) return l10n.t('this dashboard');
    return button(l10n.t('Open {0}', row.connection), () => post({ type: 'fleetInstance', key: row.key }), { testId: 'fleet-open', title: l10n.t('Open the dashboard of {0}', row.connection) });
  }
  if (row.canAdd) {
    return button(l10n.t('Add Connection'), () => post({ type: 'fleetInstance', key: row.key }), { testId: 'fleet-add', title: l10n.t('Add {0} as a connection', row.label) });
  }
  return '';
}

function grid(fleet: FleetView, current: string, peakTitle: string): HTMLElement {
  return dataGrid(
    [
      { title: l10n.t('Instance'), width: '2fr' },
      { title: l10n.t('Sessions now'), width: '1.5fr' },
      { title: peakTitle, width: '1fr' },
      { title: l10n.t('Headroom'), width: '1fr' },
      { title: '', width: '1.2fr' },
    ],
    fleet.rows.map(
      (row): GridRow => ({
        attributes: { 'data-testid': 'fleet-row', 'data-level': row.level, 'data-key': row.key },
        cells: [
          h('span', { title: l10n.t('exporter {0}, job {1}', row.instance, row.job), 'data-testid': 'fleet-label' }, row.label),
          h('span', { 'data-testid': 'fleet-used' }, usageCell(row)),
          h('span', { 'data-testid': 'fleet-peak' }, row.peak === null ? '—' : String(row.peak)),
          h('span', { 'data-testid': 'fleet-headroom' }, row.headroom === null ? '—' : String(row.headroom)),
          action(row, current),
        ],
      }),
    ),
    { 'data-testid': 'fleet-grid', 'aria-label': l10n.t('PostgreSQL instances Prometheus knows, least headroom first') },
  );
}

export function createFleetView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', {});
  const element = h('section', { class: 'card fleet', 'aria-labelledby': 'fleet-title', 'data-testid': 'fleet' }, h('h2', { id: 'fleet-title' }, l10n.t('Fleet (Prometheus)')), body);
  element.hidden = true;
  let lastKey = '';
  return {
    element,
    update(payload) {
      const fleet = payload.fleet;
      element.hidden = fleet === undefined;
      const key = JSON.stringify([payload.name, fleet ?? null]);
      if (!fleet || key === lastKey) return;
      lastKey = key;
      if (fleet.error !== null) {
        replaceContent(body, [h('p', { class: 'placeholder', 'data-testid': 'fleet-error' }, fleet.error)]);
        return;
      }
      if (fleet.rows.length === 0) {
        replaceContent(body, [h('p', { class: 'placeholder', 'data-testid': 'fleet-empty' }, l10n.t('Prometheus knows no postgres_exporter series (pg_up, pg_stat_activity_count).'))]);
        return;
      }
      const peakTitle = fleet.range === '7d' ? l10n.t('Peak 7 d') : fleet.range === '24h' ? l10n.t('Peak 24 h') : l10n.t('Peak 1 h');
      replaceContent(body, [
        grid(fleet, payload.name, peakTitle),
        h('p', { class: 'muted' }, l10n.t('Peaks are the highest of points {0} s apart; usage counts every session pg_stat_activity shows on a database, as postgres_exporter reports it.', fleet.stepSeconds)),
      ]);
    },
  };
}
