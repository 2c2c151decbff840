// The four ways out of too_many_connections, from the live numbers: raise max_connections,
// end idle sessions, put PgBouncer in front, fix the application.
import * as l10n from '@vscode/l10n';
import { ApplicationAdvice, DashboardPayload, LiveView } from '../../src/dashboard/protocol';
import { Child, h, replaceContent } from './dom';
import { formatDuration } from './format';
import { fill } from './l10n';
import { badge, button } from './toolkit';
import { post } from './vscodeApi';

/** @param what what the Copy button copies, for its accessible name ("Copy the PgBouncer settings"). */
function snippet(text: string, testId: string, what: string): HTMLElement {
  return h(
    'div',
    { class: 'snippet' },
    h('pre', { 'data-testid': testId }, h('code', {}, text)),
    button(l10n.t({ message: 'Copy', comment: ['A button under a code snippet'] }), () => post({ type: 'copy', text }), { testId: `copy-${testId}`, title: l10n.t('Copy to the clipboard'), ariaLabel: what }),
  );
}

function paragraphs(texts: readonly string[]): HTMLElement[] {
  return texts.map((t) => h('p', {}, t));
}

function maxConnectionsSection(live: LiveView): Child[] {
  const a = live.maxConnections;
  return [
    h(
      'h3',
      {},
      `${l10n.t('1. Raise max_connections')} `,
      a.needed ? badge(l10n.t('worth considering'), 'max-connections-needed') : null,
      a.pendingRestart ? ' ' : null,
      a.pendingRestart ? badge(l10n.t('restart pending'), 'pending-restart') : null,
    ),
    ...paragraphs(a.text.slice(0, 1)),
    // Code to copy, comments included, stays as written (as the PgBouncer configuration and the retry snippets do).
    a.needed ? snippet(`${a.statement}\n-- then restart the server`, 'max-connections-statement', l10n.t('Copy the max_connections statement')) : null,
    ...paragraphs(a.text.slice(1)),
  ];
}

function idleSection(live: LiveView): Child[] {
  const a = live.idle;
  return [
    h('h3', {}, l10n.t('2. End idle sessions')),
    h(
      'p',
      {},
      ...fill(l10n.t('{idle} idle longer than {idleFor}, {idleInTransaction} idle in transaction longer than {idleInTransactionFor}.'), {
        idle: h('strong', { 'data-testid': 'idle-beyond' }, a.idleBeyond),
        idleFor: formatDuration(a.idleThresholdSeconds),
        idleInTransaction: h('strong', { 'data-testid': 'idle-in-transaction-beyond' }, a.idleInTransactionBeyond),
        idleInTransactionFor: formatDuration(a.idleInTransactionThresholdSeconds),
      }),
    ),
    h(
      'p',
      {},
      button(l10n.t({ message: 'Terminate Idle Sessions…', comment: ['As the command is named (package.nls.json: command.terminateIdleSessions.title)'] }), () => post({ type: 'openTerminateIdlePreview' }), {
        testId: 'open-terminate-idle',
        appearance: a.idleBeyond + a.idleInTransactionBeyond > 0 ? 'primary' : 'secondary',
        title: l10n.t('Preview the idle sessions before terminating them'),
      }),
    ),
    h('p', {}, l10n.t('Better than terminating by hand: let the server end them.')),
    ...a.timeouts.flatMap((t) => [h('p', {}, t.text), t.statement ? snippet(t.statement, `timeout-${t.setting}`, l10n.t('Copy the {0} statement', t.setting)) : null]),
  ];
}

function pgBouncerSection(live: LiveView): Child[] {
  const a = live.pgbouncer;
  return [
    h('h3', {}, l10n.t('3. Put PgBouncer in front')),
    // One sentence with the numbers in it; each count comes with its noun, in the singular or plural.
    h(
      'p',
      {},
      ...fill(
        l10n.t({
          message:
            "Sized from the observed peak of {peak} ({busy} busy at once) and {budget} of the server's slots: up to {clients} clients share {poolSize} per pool ({pools}, one per user and database), plus {reserve} in reserve.",
          comment: ['{peak} is "120 connections", {poolSize} "5 server connections", {pools} "2 pools"; the other placeholders are numbers'],
        }),
        {
          peak: fill(a.peak === 1 ? l10n.t('{n} connection') : l10n.t('{n} connections'), { n: h('strong', { 'data-testid': 'pgbouncer-peak' }, a.peak) }),
          busy: h('strong', { 'data-testid': 'pgbouncer-peak-busy' }, a.peakBusy),
          budget: h('strong', { 'data-testid': 'pgbouncer-server-budget' }, a.serverBudget),
          clients: h('strong', { 'data-testid': 'pgbouncer-max-client-conn' }, a.maxClientConn),
          poolSize: fill(a.defaultPoolSize === 1 ? l10n.t('{n} server connection') : l10n.t('{n} server connections'), {
            n: h('strong', { 'data-testid': 'pgbouncer-default-pool-size' }, a.defaultPoolSize),
          }),
          pools: fill(a.pools === 1 ? l10n.t('{n} pool') : l10n.t('{n} pools'), { n: h('strong', { 'data-testid': 'pgbouncer-pools' }, a.pools) }),
          reserve: h('strong', { 'data-testid': 'pgbouncer-reserve-pool-size' }, a.reservePoolSize),
        },
      ),
    ),
    snippet(a.config, 'pgbouncer-snippet', l10n.t('Copy the PgBouncer settings')),
    h('p', {}, l10n.t('Transaction mode has caveats:')),
    h('ul', { class: 'caveats' }, ...a.caveats.map((c) => h('li', {}, c))),
  ];
}

function applicationSection(app: ApplicationAdvice): Child[] {
  const findings = app.findings;
  const total = findings ? Object.values(findings).reduce((sum, n) => sum + n, 0) : 0;
  const rules = findings ? Object.entries(findings).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])) : [];
  return [
    h('h3', {}, l10n.t('4. Fix the application')),
    findings === undefined
      ? h('p', { 'data-testid': 'findings' }, l10n.t('The workspace has not been analysed yet for pool clients that are never released.'))
      : h(
          'div',
          { 'data-testid': 'findings' },
          h(
            'p',
            {},
            total === 0
              ? l10n.t('The analyser found no unreleased pool clients in the workspace.')
              : total === 1
                ? l10n.t('The analyser found 1 problem in the workspace:')
                : l10n.t('The analyser found {0} problems in the workspace:', total),
          ),
          rules.length > 0
            ? h('ul', {}, ...rules.map(([rule, count]) => h('li', { 'data-testid': 'finding-rule', 'data-rule': rule }, h('code', {}, rule), `: ${count}`)))
            : null,
        ),
    h(
      'p',
      { class: 'buttons' },
      button(l10n.t({ message: 'Analyze Workspace', comment: ['As the command is named (package.nls.json: command.analyzeWorkspace.title)'] }), () => post({ type: 'runAnalyzeWorkspace' }), {
        testId: 'run-analyze-workspace',
      }),
      button(l10n.t('Open Problems'), () => post({ type: 'openProblems' }), { testId: 'open-problems' }),
    ),
    h('p', {}, l10n.t('When the server is full, new connections fail with SQLSTATE 53300 (too_many_connections). Retry with exponential backoff and jitter instead of failing the request:')),
    h('h4', {}, 'node-postgres'),
    snippet(app.nodePostgresRetry, 'retry-node-postgres', l10n.t('Copy the node-postgres retry')),
    h('h4', {}, 'psycopg 3'),
    snippet(app.psycopgRetry, 'retry-psycopg', l10n.t('Copy the psycopg retry')),
  ];
}

export function createAdviceView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', { class: 'advice-body' });
  const element = h('section', { class: 'card advice', 'aria-labelledby': 'advice-title' }, h('h2', { id: 'advice-title' }, l10n.t('What to do about it')), body);
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
