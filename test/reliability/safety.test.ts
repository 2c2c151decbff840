// Scenario 6 — safety. No action terminates the monitor's own backend (even when the caller does not
// know its pid), a non-client backend (autovacuum launcher, checkpointer, walsender, …; the monitor
// here is a superuser, so only our checks stand in the way), or a pid whose backend_start changed.
// Session fields full of quotes and SQL (application_name, query, role and database names) go through
// every action; the server's own statement log shows that the SQL text never contained them (they
// arrive only as bind parameters) and the victim table survives. The dashboard bundle, under the
// panel's CSP in chromium, shows <script> in an application_name and a query as text and runs no
// inline script.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Client, ClientConfig } from 'pg';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { ActionConnection, cancelQuery, SessionRef, terminateBackend, terminateSessions } from '../../src/postgres/actions';
import { findIdleSessions } from '../../src/postgres/idleSessions';
import { MonitorConnection } from '../../src/postgres/monitorConnection';
import { Session } from '../../src/postgres/snapshot';
import { SnapshotStore } from '../../src/postgres/store';
import { RoleLogin, waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { CHROMIUM, openWebviewHarness } from '../unit/dashboard/webviewHarness';
import { APP_PASSWORD, capture, captureStore, MONITOR_PASSWORD, report } from './support/evidence';
import { extensionLog } from './support/extensionLog';
import { asSuperuser, closeAll, createLoginRole } from './support/roles';

const SCENARIO = '6 safety';
const VICTIM = 'reliability_victim';
const DROP = `'); DROP TABLE ${VICTIM}; --`;
// application_name keeps 63 bytes: this fits.
const SCRIPT = '<script>window.__pwned=1</script><img src=x onerror=__pwned=2>';
const HOSTILE_APPS = [DROP, `Robert"); DROP TABLE ${VICTIM};-- \\ $1 $$ ''`, SCRIPT];
const HOSTILE_ROLE = `we'ird"; DROP TABLE ${VICTIM}; --`;
const HOSTILE_DB = `db'; DROP TABLE ${VICTIM}; --`;
const MARKERS = [`DROP TABLE ${VICTIM}`, 'window.__pwned'];

/** Server log entries (continuation lines joined) of one backend, from log_line_prefix '%a|%p|'. */
function logEntries(lines: readonly string[], pid: number): string[] {
  const entries: string[] = [];
  let ours = false;
  for (const line of lines) {
    const head = /^.*\|(\d+)\|[A-Z]+: {2}/.exec(line);
    if (head) {
      ours = Number(head[1]) === pid;
      if (ours) entries.push(line);
    } else if (ours && entries.length > 0) {
      entries[entries.length - 1] += `\n${line}`;
    }
  }
  return entries;
}

/** A different backend_start for the same pid: what pid reuse looks like to the action. */
function shiftedStart(backendStart: string): string {
  return backendStart.replace(/(\d)(\+|$)/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`);
}

describe('reliability 6: safety', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  const serverLog: string[] = [];
  const clients: Client[] = [];
  const monitors: MonitorConnection[] = [];
  let hostileRole: RoleLogin;

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ settings: { log_statement: 'all', log_line_prefix: '%a|%p|' }, onLog: (line) => serverLog.push(line) });
    hostileRole = await createLoginRole(server, HOSTILE_ROLE, MONITOR_PASSWORD, ['pg_monitor', 'pg_signal_backend']);
    await asSuperuser(server, async (c) => {
      await c.query(`CREATE TABLE ${VICTIM} (id int)`);
      await c.query(`INSERT INTO ${VICTIM} VALUES (1), (2), (3)`);
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(HOSTILE_DB)}`);
    });
    await createLoginRole(server, 'safety_app', APP_PASSWORD);
    await asSuperuser(server, (c) => c.query(`GRANT ALL ON DATABASE ${c.escapeIdentifier(HOSTILE_DB)} TO safety_app`));
  });

  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.dispose()));
    await closeAll(clients);
  });

  after(async () => {
    await server?.stop();
  });

  async function startMonitor(user: string, password: string, name: string, store = new SnapshotStore()): Promise<MonitorConnection> {
    const s = server as PgServer;
    captureStore(store, SCENARIO);
    const monitor = new MonitorConnection({
      name,
      config: { name, host: s.host, port: s.port, database: s.database, user, ssl: 'disable' },
      store,
      passwords: { secretPassword: () => password, env: {}, homedir: '/nonexistent' },
      log: extensionLog(SCENARIO),
    });
    monitors.push(monitor);
    monitor.start();
    await waitFor(`monitor ${name} live`, () => monitor.isConnected && store.get(name)?.snapshot);
    return monitor;
  }

  async function victimRows(): Promise<number> {
    return asSuperuser(server as PgServer, async (c) => {
      const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${VICTIM}`);
      return rows[0]?.n ?? -1;
    });
  }

  async function alive(pid: number, backendStart: string | null): Promise<boolean> {
    return asSuperuser(server as PgServer, async (c) => {
      const { rows } = await c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz', [pid, backendStart]);
      return rows.length === 1;
    });
  }

  it("never terminates or cancels the monitor's own backend, even for a caller that does not know its pid", async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    const monitor = await startMonitor(s.user, s.password, 'self', store);
    const pid = monitor.monitorPid ?? assert.fail('no pid');
    const own = store.get('self')?.snapshot?.sessions.find((x) => x.pid === pid) ?? assert.fail('the monitor is not in its snapshot');
    assert.equal(own.isMonitor, true);
    // A bare runner of the monitor's statements (no MonitorConnection around it): only the SQL's own guard is left.
    const blind: ActionConnection = { query: (text, values) => monitor.query(text, values), serverVersionNum: monitor.serverVersionNum };
    const results = [
      await terminateBackend(monitor, own),
      await cancelQuery(monitor, own),
      await terminateBackend(blind, own),
      await cancelQuery(blind, own),
      ...(await terminateSessions(blind, [own])).results,
    ];
    for (const r of results) capture('actionResult', r.message);
    assert.deepEqual(results.map((r) => r.kind), ['refused', 'refused', 'refused', 'refused', 'refused']);
    assert.ok(results.every((r) => r.kind === 'refused' && r.reason === 'monitor-session'));
    assert.deepEqual(findIdleSessions(store.get('self')?.snapshot ?? assert.fail(), { states: ['idle', 'idle in transaction', 'idle in transaction (aborted)'], minAgeSeconds: 0 }).filter((x) => x.pid === pid), []);
    assert.equal(monitor.monitorPid, pid);
    assert.ok(await alive(pid, own.backendStart));
    report(SCENARIO, "monitor's own backend: actions tried / refused", `${results.length} / ${results.filter((r) => r.kind === 'refused').length}`);
  });

  it('never signals a non-client backend (autovacuum launcher, checkpointer, walsender, …), even as superuser', async () => {
    const s = server as PgServer;
    const monitor = await startMonitor(s.user, s.password, 'superuser');
    // replication=database makes the backend a walsender (pg passes it on; its types do not list it).
    const replication: ClientConfig & { replication: string } = { host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, replication: 'database', application_name: 'safety-walsender' };
    const walsender = new Client(replication);
    walsender.on('error', () => undefined);
    await walsender.connect();
    clients.push(walsender);
    // Read with the monitor's session settings, so backend_start has the snapshot's exact text form.
    const { rows } = await monitor.query<{ pid: number; backend_start: string; backend_type: string }>(
      "SELECT pid, backend_start::text AS backend_start, backend_type FROM pg_stat_activity WHERE backend_type <> 'client backend' ORDER BY backend_type",
    );
    const types = rows.map((r) => r.backend_type);
    for (const required of ['autovacuum launcher', 'checkpointer', 'walsender']) assert.ok(types.includes(required), `${required} in ${types.join(', ')}`);
    const refs: SessionRef[] = rows.map((r) => ({ pid: r.pid, backendStart: r.backend_start }));
    const results = [];
    for (const ref of refs) results.push(await terminateBackend(monitor, ref), await cancelQuery(monitor, ref));
    results.push(...(await terminateSessions(monitor, refs)).results);
    for (const r of results) capture('actionResult', r.message);
    const notRefused = results.filter((r) => !(r.kind === 'refused' && r.reason === 'not-client-backend'));
    assert.deepEqual(notRefused, []);
    for (const r of rows) assert.ok(await alive(r.pid, r.backend_start), `${r.backend_type} ${r.pid} is still there`);
    assert.equal((await walsender.query('IDENTIFY_SYSTEM')).rows.length, 1, 'the walsender still answers');
    report(SCENARIO, 'non-client backends tried (all refused, all still running)', types);
  });

  it('never signals a pid whose backend_start changed', async () => {
    const s = server as PgServer;
    const monitor = await startMonitor(hostileRole.user, hostileRole.password, 'pid-reuse');
    const victim = new Client({ host: s.host, port: s.port, user: 'safety_app', password: APP_PASSWORD, database: s.database, application_name: 'safety-reused' });
    victim.on('error', () => undefined);
    await victim.connect();
    clients.push(victim);
    const snapshot = await monitor.refresh();
    const session = snapshot?.sessions.find((x) => x.application === 'safety-reused') ?? assert.fail('no session');
    const stale: SessionRef = { pid: session.pid, backendStart: shiftedStart(session.backendStart ?? '') };
    assert.notEqual(stale.backendStart, session.backendStart);
    const results = [await terminateBackend(monitor, stale), await cancelQuery(monitor, stale), ...(await terminateSessions(monitor, [stale])).results];
    for (const r of results) capture('actionResult', r.message);
    assert.ok(results.every((r) => r.kind === 'refused' && r.reason === 'backend-changed'), JSON.stringify(results));
    assert.match(results[0]?.message ?? '', /now belongs to a different session/);
    assert.ok(await alive(session.pid, session.backendStart));
    assert.equal((await victim.query('SELECT 1')).rowCount, 1);
    report(SCENARIO, 'stale backend_start (pid reuse): actions refused', results.length);
  });

  it('session fields full of quotes and SQL go through every action as parameters only; the table survives', async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    const monitor = await startMonitor(hostileRole.user, hostileRole.password, 'hostile', store);
    // Sessions with hostile application names and queries, in the hostile database, in several states.
    const open = async (app: string, database: string): Promise<Client> => {
      const c = new Client({ host: s.host, port: s.port, user: 'safety_app', password: APP_PASSWORD, database, application_name: app });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    };
    const active = await open(HOSTILE_APPS[0] ?? '', HOSTILE_DB);
    void active.query(`SELECT $$${DROP}$$ AS a, '${SCRIPT.replace(/'/g, "''")}' AS b, pg_sleep(30)`).catch(() => undefined);
    const inTransaction = await open(HOSTILE_APPS[2] ?? '', s.database);
    await inTransaction.query('BEGIN');
    await inTransaction.query(`SELECT '${SCRIPT.replace(/'/g, "''")}' AS x, $$${DROP}$$ AS y`);
    const idle = [await open(HOSTILE_APPS[1] ?? '', HOSTILE_DB), await open(HOSTILE_APPS[0] ?? '', s.database), await open(HOSTILE_APPS[2] ?? '', HOSTILE_DB)];
    for (const c of idle) await c.query(`SELECT '${DROP.replace(/'/g, "''")}'`);
    const snapshot = await waitFor('the hostile sessions in a snapshot', async () => {
      const snap = await monitor.refresh();
      const hostile = snap?.sessions.filter((x) => x.user === 'safety_app') ?? [];
      return hostile.length === 5 && hostile.some((x) => x.state === 'active') ? snap : undefined;
    });
    const hostile = snapshot.sessions.filter((x) => x.user === 'safety_app');
    // The fields arrive exactly as sent.
    assert.deepEqual(new Set(hostile.map((x) => x.application)), new Set(HOSTILE_APPS));
    assert.ok(hostile.some((x) => x.database === HOSTILE_DB));
    assert.ok(snapshot.sessions.some((x) => x.user === HOSTILE_ROLE && x.isMonitor));
    const payload = buildDashboardPayload(store.get('hostile') ?? assert.fail());
    capture('dashboardPayload', JSON.stringify(payload));

    // Every action, with the snapshot's sessions (all their hostile fields along) and with forged ones.
    const activeSession = hostile.find((x) => x.state === 'active') ?? assert.fail();
    const cancelled = await cancelQuery(monitor, activeSession);
    assert.equal(cancelled.kind, 'signalled', cancelled.message);
    const forged: Session[] = [
      { ...activeSession, backendStart: DROP },
      { ...activeSession, pid: `1); DROP TABLE ${VICTIM}; --` as unknown as number },
    ];
    const forgedResults = [];
    for (const f of forged) forgedResults.push(await terminateBackend(monitor, f), await cancelQuery(monitor, f));
    assert.ok(forgedResults.every((r) => r.kind === 'failed'), JSON.stringify(forgedResults));
    const one = hostile.find((x) => x.state === 'idle in transaction') ?? assert.fail();
    const terminated = await terminateBackend(monitor, one);
    assert.equal(terminated.kind, 'terminated', terminated.message);
    const rest = hostile.filter((x) => x.pid !== one.pid);
    const bulk = await terminateSessions(monitor, rest);
    assert.equal(bulk.terminated, rest.length, JSON.stringify(bulk.results));
    for (const r of [cancelled, ...forgedResults, terminated, ...bulk.results]) capture('actionResult', r.message);

    // Nothing broke: the monitor still works, the table and its rows are there.
    assert.equal(monitor.monitorPid !== undefined && monitor.isConnected, true);
    assert.ok(await monitor.refresh());
    assert.equal(await victimRows(), 3);

    // The server's statement log: the monitor's SQL text never carried the hostile text. The forged
    // values reached the server only as bind values, rejected by the parameter's type.
    const entries = logEntries(serverLog, monitor.monitorPid ?? assert.fail('the monitor is not connected'));
    const statements = entries.filter((e) => /\|LOG: {2}(statement|execute [^:]*):/.test(e) || /\|STATEMENT: {2}/.test(e));
    assert.ok(statements.length > 10, `${statements.length} monitor statements logged`);
    const tainted = statements.filter((e) => MARKERS.some((m) => e.includes(m)));
    assert.deepEqual(tainted, []);
    const asValues = entries.filter((e) => /\|ERROR: {2}invalid input syntax for type (timestamp with time zone|integer): ".*DROP TABLE/.test(e));
    assert.ok(asValues.length >= 2, `the forged pid and backend_start reached the server as values:\n${entries.filter((e) => e.includes('DROP')).join('\n')}`);
    report(SCENARIO, 'hostile sessions through cancel / terminate / bulk', `${hostile.length} sessions, ${bulk.terminated + 1} terminated, 1 cancelled, ${forgedResults.length} forged refs failed safely`);
    report(SCENARIO, 'monitor statements in the server log / with hostile text in the SQL', `${statements.length} / ${tainted.length}`);

    // The dashboard of this very store (before the actions), in chromium under the panel's CSP.
    if (fs.existsSync(CHROMIUM)) await checkWebview(payload);
  });

  it("the dashboard's CSP keeps <script> in application names and queries as text and blocks inline script", async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    const s = server as PgServer;
    const store = new SnapshotStore();
    const monitor = await startMonitor(hostileRole.user, hostileRole.password, 'webview', store);
    const c = new Client({ host: s.host, port: s.port, user: 'safety_app', password: APP_PASSWORD, database: s.database, application_name: SCRIPT });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    await c.query('BEGIN');
    await c.query(`SELECT '${SCRIPT.replace(/'/g, "''")}' AS x`);
    await waitFor('the session idle in transaction', async () => (await monitor.refresh())?.sessions.some((x) => x.application === SCRIPT && x.state === 'idle in transaction'));
    const payload = buildDashboardPayload(store.get('webview') ?? assert.fail());
    capture('dashboardPayload', JSON.stringify(payload));
    await checkWebview(payload);
  });
});

async function checkWebview(payload: ReturnType<typeof buildDashboardPayload>): Promise<void> {
  const harness = await openWebviewHarness();
  try {
    const page = harness.page;
    await harness.send({ type: 'state', payload });
    await page.locator('[data-testid=usage-used]').waitFor();
    const row = payload.live?.idleInTransaction.find((r) => r.application === SCRIPT);
    if (row) {
      const text = await page.locator(`[data-testid=idle-in-transaction-row][data-pid="${row.pid}"]`).innerText();
      assert.ok(text.includes(SCRIPT), 'the application name shows as text');
      assert.ok(text.includes('<script>'), 'the query shows as text');
    }
    assert.ok((await page.locator('[data-testid=group-label]').allInnerTexts()).includes(SCRIPT));
    // Only the harness's stub and the bundle are scripts; the hostile text made no elements.
    assert.equal(await page.evaluate('document.scripts.length'), 2);
    assert.equal(await page.locator('img').count(), 0);
    // Inline script added at runtime is blocked by the CSP itself, not only by rendering as text.
    await page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = 3';
      document.body.appendChild(s);
      const i = document.createElement('img');
      i.setAttribute('onerror', 'window.__pwned = 4');
      i.src = 'data:image/png;base64,broken';
      document.body.appendChild(i);
    })()`);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    const violations = await harness.violations();
    assert.ok(violations.some((v) => v.startsWith('script-src')), violations.join('\n'));
    capture('webviewState', JSON.stringify(await page.evaluate('window.__state')));
    capture('webviewHtml', await page.content());
    report(SCENARIO, 'CSP violations reported for injected inline script', violations.length);
  } finally {
    await harness.close();
  }
}
