// Usage now: used / capacity / max_connections as text and as a bar in which every slot of
// max_connections has its place — sessions by state, free capacity, reserved and superuser-reserved.
import * as l10n from '@vscode/l10n';
import { DashboardPayload, STATE_BUCKETS, stateLabel, StateBucket, StateCounts, UsageView } from '../../src/dashboard/protocol';
import { h, replaceContent, svg } from './dom';
import { fill } from './l10n';

const BAR_WIDTH = 1000;
const BAR_HEIGHT = 24;

export const STATE_TEST_IDS: Readonly<Record<StateBucket, string>> = {
  active: 'state-count-active',
  idle: 'state-count-idle',
  idleInTransaction: 'state-count-idle-in-transaction',
  aborted: 'state-count-aborted',
  other: 'state-count-other',
};

function number(value: number, testId: string): HTMLElement {
  return h('strong', { 'data-testid': testId }, value);
}

function usageBar(usage: UsageView, states: StateCounts): SVGSVGElement {
  const scale = BAR_WIDTH / Math.max(1, usage.maxConnections, usage.used);
  const rect = (x: number, width: number, cls: string, title: string): SVGRectElement =>
    svg('rect', { x: x * scale, y: 0, width: Math.max(0, width * scale), height: BAR_HEIGHT, class: cls }, svg('title', {}, title));
  const bar = svg('svg', {
    class: 'usage-bar',
    viewBox: `0 0 ${BAR_WIDTH} ${BAR_HEIGHT}`,
    preserveAspectRatio: 'none',
    role: 'img',
    tabindex: 0,
    'aria-label': l10n.t('{0} of {1} connections in use; max_connections {2}', usage.used, usage.capacity, usage.maxConnections),
  });
  bar.appendChild(rect(0, usage.capacity, 'bar-free', l10n.t({ message: '{0} free', args: [Math.max(0, usage.capacity - usage.used)], comment: ['Connection slots nobody uses'] })));
  bar.appendChild(rect(usage.capacity, usage.reserved, 'bar-reserved', `${usage.reserved} reserved_connections`));
  bar.appendChild(
    rect(usage.capacity + usage.reserved, usage.superuserReserved, 'bar-superuser', `${usage.superuserReserved} superuser_reserved_connections`),
  );
  let x = 0;
  for (const bucket of STATE_BUCKETS) {
    if (states[bucket] > 0) bar.appendChild(rect(x, states[bucket], `series s-${bucket}`, `${states[bucket]} ${stateLabel(bucket)}`));
    x += states[bucket];
  }
  const cx = usage.capacity * scale;
  bar.appendChild(svg('line', { x1: cx, x2: cx, y1: 0, y2: BAR_HEIGHT, class: 'capacity-line' }));
  return bar;
}

export function stateLegend(states: StateCounts | undefined): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': l10n.t('Sessions by state') },
    ...STATE_BUCKETS.map((bucket) =>
      h(
        'li',
        {},
        h('span', { class: `swatch s-${bucket}`, 'aria-hidden': 'true' }),
        h('span', {}, stateLabel(bucket)),
        ' ',
        number(states?.[bucket] ?? 0, STATE_TEST_IDS[bucket]),
      ),
    ),
  );
}

export function createUsageView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', { class: 'usage-body' });
  const element = h('section', { class: 'card usage', 'aria-labelledby': 'usage-title' }, h('h2', { id: 'usage-title' }, l10n.t('Connections now')), body);
  return {
    element,
    update(payload) {
      const live = payload.live;
      if (!live) {
        replaceContent(body, [h('p', { class: 'placeholder' }, l10n.t('No snapshot yet.'))]);
        return;
      }
      const u = live.usage;
      replaceContent(body, [
        h(
          'p',
          { class: `usage-numbers level-${u.level}`, 'data-testid': 'usage-level', 'data-level': u.level },
          ...fill(l10n.t('{used} used of {capacity} available to ordinary users'), {
            used: h('span', { class: 'big', 'data-testid': 'usage-used' }, u.used),
            capacity: h('span', { class: 'big', 'data-testid': 'usage-capacity' }, u.capacity),
          }),
        ),
        h(
          'p',
          { class: 'muted' },
          ...fill(l10n.t('max_connections {max} = capacity {capacity} + superuser_reserved_connections {superuserReserved} + reserved_connections {reserved}'), {
            max: number(u.maxConnections, 'usage-max-connections'),
            capacity: String(u.capacity),
            superuserReserved: number(u.superuserReserved, 'usage-superuser-reserved'),
            reserved: number(u.reserved, 'usage-reserved'),
          }),
          ' · ',
          // With the history on disk the peak is the highest point of what was read back, not only of this session.
          ...fill(payload.history.retentionDays > 0 ? l10n.t('peak in the kept history {peak}') : l10n.t('peak since opening {peak}'), { peak: number(payload.peak, 'usage-peak') }),
          u.hidden > 0 ? ` · ${l10n.t('{0} hidden from this role', u.hidden)}` : '',
        ),
        usageBar(u, live.states),
        h(
          'ul',
          { class: 'legend bar-legend', 'aria-hidden': 'true' },
          h('li', {}, h('span', { class: 'swatch bar-free' }), l10n.t({ message: 'free', comment: ['Legend of the usage bar: slots nobody uses'] })),
          h('li', {}, h('span', { class: 'swatch bar-reserved' }), l10n.t({ message: 'reserved', comment: ['Legend of the usage bar: reserved_connections'] })),
          h('li', {}, h('span', { class: 'swatch bar-superuser' }), l10n.t({ message: 'superuser-reserved', comment: ['Legend of the usage bar: superuser_reserved_connections'] })),
        ),
        stateLegend(live.states),
      ]);
    },
  };
}
