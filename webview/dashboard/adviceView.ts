// The four ways out of too_many_connections, from the live numbers: raise max_connections,
// end idle sessions, put PgBouncer in front, fix the application.
import { ApplicationAdvice, DashboardPayload, LiveView } from '../../src/dashboard/protocol';
import { Child, h, replaceContent } from './dom';
import { formatDuration, plural } from './format';
import { badge, button } from './toolkit';
import { post } from './vscodeApi';

/** @param what what the Copy button copies, for its accessible name ("Copy the PgBouncer settings"). */
function snippet(text: string, testId: string, what: string): HTMLElement {
  return h(
    'div',
    { class: 'snippet' },
    h('pre', { 'data-testid': testId }, h('code', {}, text)),
    button('Copy', () => post({ type: 'copy', text }), { testId: `copy-${testId}`, title: 'Copy to the clipboard', ariaLabel: `Copy ${what}` }),
  );
}

function paragraphs(texts: readonly string[]): HTMLElement[] {
  return texts.map((t) => h('p', {}, t));
}

function maxConnectionsSection(live: LiveView): Child[] {
  const a = live.maxConnections;
  return [
    h('h3', {}, '1. Raise max_connections ', a.needed ? badge('worth considering', 'max-connections-needed') : null, a.pendingRestart ? ' ' : null, a.pendingRestart ? badge('restart pending', 'pending-restart') : null),
    ...paragraphs(a.text.slice(0, 1)),
    a.needed ? snippet(`${a.statement}\n-- then restart the server`, 'max-connections-statement', 'the max_connections statement') : null,
    ...paragraphs(a.text.slice(1)),
  ];
}

function idleSection(live: LiveView): Child[] {
  const a = live.idle;
  return [
    h('h3', {}, '2. End idle sessions'),
    h(
      'p',
      {},
      h('strong', { 'data-testid': 'idle-beyond' }, a.idleBeyond),
      ` idle longer than ${formatDuration(a.idleThresholdSeconds)}, `,
      h('strong', { 'data-testid': 'idle-in-transaction-beyond' }, a.idleInTransactionBeyond),
      ` idle in transaction longer than ${formatDuration(a.idleInTransactionThresholdSeconds)}.`,
    ),
    h(
      'p',
      {},
      button('Terminate Idle Sessions…', () => post({ type: 'openTerminateIdlePreview' }), {
        testId: 'open-terminate-idle',
        appearance: a.idleBeyond + a.idleInTransactionBeyond > 0 ? 'primary' : 'secondary',
        title: 'Preview the idle sessions before terminating them',
      }),
    ),
    h('p', {}, 'Better than terminating by hand: let the server end them.'),
    ...a.timeouts.flatMap((t) => [h('p', {}, t.text), t.statement ? snippet(t.statement, `timeout-${t.setting}`, `the ${t.setting} statement`) : null]),
  ];
}

function pgBouncerSection(live: LiveView): Child[] {
  const a = live.pgbouncer;
  return [
    h('h3', {}, '3. Put PgBouncer in front'),
    h(
      'p',
      {},
      'Sized from the observed peak of ',
      h('strong', { 'data-testid': 'pgbouncer-peak' }, a.peak),
      ` ${a.peak === 1 ? 'connection' : 'connections'} (`,
      h('strong', { 'data-testid': 'pgbouncer-peak-busy' }, a.peakBusy),
      ` busy at once) and `,
      h('strong', { 'data-testid': 'pgbouncer-server-budget' }, a.serverBudget),
      " of the server's slots: up to ",
      h('strong', { 'data-testid': 'pgbouncer-max-client-conn' }, a.maxClientConn),
      ' clients share ',
      h('strong', { 'data-testid': 'pgbouncer-default-pool-size' }, a.defaultPoolSize),
      ` server ${a.defaultPoolSize === 1 ? 'connection' : 'connections'} per pool (`,
      h('strong', { 'data-testid': 'pgbouncer-pools' }, a.pools),
      ` ${a.pools === 1 ? 'pool' : 'pools'}, one per user and database), plus `,
      h('strong', { 'data-testid': 'pgbouncer-reserve-pool-size' }, a.reservePoolSize),
      ' in reserve.',
    ),
    snippet(a.config, 'pgbouncer-snippet', 'the PgBouncer settings'),
    h('p', {}, 'Transaction mode has caveats:'),
    h('ul', { class: 'caveats' }, ...a.caveats.map((c) => h('li', {}, c))),
  ];
}

function applicationSection(app: ApplicationAdvice): Child[] {
  const findings = app.findings;
  const total = findings ? Object.values(findings).reduce((sum, n) => sum + n, 0) : 0;
  const rules = findings ? Object.entries(findings).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])) : [];
  return [
    h('h3', {}, '4. Fix the application'),
    findings === undefined
      ? h('p', { 'data-testid': 'findings' }, 'The workspace has not been analysed yet for pool clients that are never released.')
      : h(
          'div',
          { 'data-testid': 'findings' },
          h('p', {}, total === 0 ? 'The analyser found no unreleased pool clients in the workspace.' : `The analyser found ${plural(total, 'problem')} in the workspace:`),
          rules.length > 0
            ? h('ul', {}, ...rules.map(([rule, count]) => h('li', { 'data-testid': 'finding-rule', 'data-rule': rule }, h('code', {}, rule), `: ${count}`)))
            : null,
        ),
    h(
      'p',
      { class: 'buttons' },
      button('Analyze Workspace', () => post({ type: 'runAnalyzeWorkspace' }), { testId: 'run-analyze-workspace' }),
      button('Open Problems', () => post({ type: 'openProblems' }), { testId: 'open-problems' }),
    ),
    h('p', {}, 'When the server is full, new connections fail with SQLSTATE 53300 (too_many_connections). Retry with exponential backoff and jitter instead of failing the request:'),
    h('h4', {}, 'node-postgres'),
    snippet(app.nodePostgresRetry, 'retry-node-postgres', 'the node-postgres retry'),
    h('h4', {}, 'psycopg 3'),
    snippet(app.psycopgRetry, 'retry-psycopg', 'the psycopg retry'),
  ];
}

export function createAdviceView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', { class: 'advice-body' });
  const element = h('section', { class: 'card advice', 'aria-labelledby': 'advice-title' }, h('h2', { id: 'advice-title' }, 'What to do about it'), body);
  let lastKey = '';
  return {
    element,
    update(payload) {
      const live = payload.live;
      // Re-render only when the advice changed, so a selection in a snippet survives the refreshes.
      const key = JSON.stringify([live?.maxConnections, live?.idle, live?.pgbouncer, payload.application]);
      if (key === lastKey) return;
      lastKey = key;
      const sections: Child[][] = live
        ? [maxConnectionsSection(live), idleSection(live), pgBouncerSection(live), applicationSection(payload.application)]
        : [applicationSection(payload.application)];
      replaceContent(
        body,
        sections.map((children, i) => h('div', { class: 'advice-item', 'data-testid': `advice-${i + 1}` }, ...children)),
      );
    },
  };
}
