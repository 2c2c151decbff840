import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { Client } from 'pg';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { PrometheusFeed } from '../../../src/dashboard/prometheusFeed';
import { FleetConnection, prometheusOptions } from '../../../src/dashboard/prometheusModel';
import { DashboardPayload, HistoryRange } from '../../../src/dashboard/protocol';
import { parsePrometheusUrl, PrometheusClient, PrometheusError } from '../../../src/prometheus/prometheusClient';
import { defaultSelector, parseSelector, Selector } from '../../../src/prometheus/selector';
import { Reachability } from '../../../src/prometheus/reachability';
import { freePort, PgServer, startPostgres } from '../../support/postgresServer';
import { Exporter, prometheusAvailable, PrometheusServer, startExporter, startPrometheus, waitForSeries } from '../../support/prometheus';
import { databaseState, point, sessions, snapshot } from '../dashboard/snapshotFixtures';

// Debian's Prometheus scraping Debian's postgres_exporter every 2 s, in front of embedded
// PostgreSQL with a workload: the numbers the dashboard shows from Prometheus are the server's own
// (pg_stat_activity) at the same moments, and every way Prometheus can fail leaves a sentence and a
// dashboard that still renders. One Prometheus for the whole suite.

const MAX_CONNECTIONS = 30; // capacity 27: 3 slots reserved for superusers
/** Workload levels (extra idle clients), each held this long; the two highest together outlast a 10 s step, so some point of the chart lands on them. */
const LEVELS = [2, 9, 15, 12, 5];
const LEVEL_MS = 7_000;
/** bcrypt of "pw" (Python's crypt with METHOD_BLOWFISH), for Prometheus's web.config.file. */
const PW_BCRYPT = '$2b$12$JQrr76lqfAH5sEi9bPjoCuACJx2nuRjgb/MvZKn8XWiwUGDdn2f3S';

interface Observation {
  at: number;
  count: number;
}

/** The connection's dashboard as the panel builds it: the feed read once, then the payload. */
async function dashboard(feed: PrometheusFeed, client: PrometheusClient | PrometheusError, selector: Selector | string, range: HistoryRange, connections: FleetConnection[], reach?: Reachability): Promise<DashboardPayload> {
  const now = Date.now();
  feed.view({ client, selector, range, now });
  await feed.settled(20_000);
  await reach?.settled();
  const view = feed.view({ client, selector, range, now });
  const local = databaseState(snapshot(sessions(4)), [point(now - 30_000, 3), point(now - 15_000, 4), point(now, 4)]);
  return buildDashboardPayload(local, { historyRange: range, now, prometheus: prometheusOptions(view, { range, connections, ...(reach ? { reachable: (a: string) => reach.reachable(a) } : {}) }) });
}

describe('Prometheus as the dashboard\'s history and fleet (real Prometheus 2.42 and postgres_exporter 0.11)', function () {
  let pg: PgServer;
  let other: PgServer;
  let exporter: Exporter;
  let otherExporter: Exporter;
  let deadExporter: Exporter;
  let prom: PrometheusServer;
  let observer: Client;
  const held: Client[] = [];
  const observations: Observation[] = [];
  let client: PrometheusClient;
  let workloadEnd = 0;

  before(async function () {
    // Not skipped when missing: .ci/run installs them, and a skipped suite would hide a broken CI.
    if (!prometheusAvailable()) throw new Error('apt-get install --no-install-recommends prometheus prometheus-postgres-exporter');
    this.timeout(120_000);
    [pg, other] = await Promise.all([startPostgres({ maxConnections: MAX_CONNECTIONS }), startPostgres({ maxConnections: 20 })]);
    const deadPort = await freePort();
    [exporter, otherExporter, deadExporter] = await Promise.all([
      startExporter(pg.connectionString),
      startExporter(other.connectionString),
      startExporter(`postgresql://postgres:x@127.0.0.1:${deadPort}/postgres`),
    ]);
    prom = await startPrometheus({ targets: [exporter.address, otherExporter.address, deadExporter.address], scrapeIntervalSeconds: 2 });
    await waitForSeries(prom.url, 'pg_settings_max_connections', 2, 30_000);
    client = new PrometheusClient({ url: parsePrometheusUrl(prom.url) as URL, timeoutMs: 5_000 });
    observer = await pg.connect();
    // The workload: levels of idle clients, the server's own count sampled every 250 ms.
    const sample = async (): Promise<void> => {
      const { rows } = await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname IS NOT NULL');
      observations.push({ at: Date.now(), count: (rows[0] as { n: number }).n });
    };
    for (const level of LEVELS) {
      while (held.length < level) {
        const c = await pg.connect();
        held.push(c);
      }
      while (held.length > level) await (held.pop() as Client).end();
      const until = Date.now() + LEVEL_MS;
      while (Date.now() < until) {
        await sample();
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    workloadEnd = Date.now();
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(held.map((c) => c.end().catch(() => undefined)));
    await observer?.end().catch(() => undefined);
    await prom?.stop();
    await Promise.all([exporter?.stop(), otherExporter?.stop(), deadExporter?.stop()]);
    await Promise.all([pg?.stop(), other?.stop()]);
  });

  it("the chart's points are the server's own session counts at the same moments, against capacity 27 of max_connections 30", async function () {
    this.timeout(60_000);
    const feed = new PrometheusFeed(() => undefined);
    const payload = await dashboard(feed, client, defaultSelector('127.0.0.1', pg.port), '1h', []);
    assert.equal(payload.prometheus?.kind, 'ok', payload.prometheus?.text);
    assert.match(payload.prometheus?.text ?? '', new RegExp(`^From Prometheus at ${prom.url}, series \\{server="127.0.0.1:${pg.port}"\\}, a point every 10 s\\.$`));
    assert.equal(payload.history.source?.kind, 'prometheus');
    const compared: Array<{ at: number; shown: number; server: number }> = [];
    for (const s of payload.history.samples) {
      assert.equal(s.capacity, 27);
      assert.equal(s.maxConnections, 30);
      // Prometheus's value at t is its last scrape before t (2 s apart): compare where the server's count held still around it.
      const around = observations.filter((o) => o.at >= s.at - 3_500 && o.at <= s.at + 250);
      if (around.length < 5 || new Set(around.map((o) => o.count)).size !== 1) continue;
      compared.push({ at: s.at, shown: s.used, server: (around[0] as Observation).count });
    }
    assert.ok(compared.length >= 2, `too few comparable points: ${JSON.stringify(compared)} of ${payload.history.samples.length}`);
    assert.ok(new Set(compared.map((c) => c.server)).size >= 2, `one level only: ${JSON.stringify(compared)}`);
    for (const c of compared) assert.equal(c.shown, c.server, `at ${new Date(c.at).toISOString()}`);
    // The states add up to the count, as the chart stacks them.
    const last = payload.history.samples[payload.history.samples.length - 1];
    assert.ok(last);
    assert.equal(Object.values(last.byState).reduce((a, b) => a + b, 0), last.used);
    assert.ok(last.byState.idle >= LEVELS[LEVELS.length - 1]!);
  });

  it('the Fleet lists every instance Prometheus knows, least headroom first, with the configured one named and the other offered to add', async function () {
    this.timeout(60_000);
    const feed = new PrometheusFeed(() => undefined);
    const reach = new Reachability(() => undefined);
    const connections = [{ name: 'orders', selector: defaultSelector('127.0.0.1', pg.port) }];
    // The first read starts the reachability probes; the second sees their answers.
    await dashboard(feed, client, connections[0]!.selector, '1h', connections, reach);
    const { rows } = await observer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname IS NOT NULL');
    const payload = await dashboard(new PrometheusFeed(() => undefined), client, connections[0]!.selector, '1h', connections, reach);
    const fleet = payload.fleet;
    assert.ok(fleet && fleet.error === null, fleet?.error ?? 'no fleet');
    // Least headroom first: the other server (17 slots, about 1 session) before ours (27 slots, 5 held and more), the exporter without a number last.
    assert.deepEqual(
      fleet.rows.map((r) => r.label),
      [`127.0.0.1:${other.port}`, `127.0.0.1:${pg.port}`, deadExporter.address],
      JSON.stringify(fleet.rows.map((r) => [r.label, r.headroom])),
    );
    const [otherRow, orders, dead] = fleet.rows as [typeof fleet.rows[0], typeof fleet.rows[0], typeof fleet.rows[0]];
    assert.equal(orders.connection, 'orders');
    assert.equal(orders.canAdd, false);
    assert.equal(orders.capacity, 27);
    // Held still since the workload ended: the current number is the server's.
    assert.equal(orders.used, (rows[0] as { n: number }).n);
    assert.equal(orders.headroom, 27 - (rows[0] as { n: number }).n);
    // The peak of the points a step apart: never above what the server counted, and above the level it ended at (15 and 12 were held 14 s).
    const maxObserved = Math.max(...observations.filter((o) => o.at <= workloadEnd).map((o) => o.count));
    assert.ok(orders.peak !== null && orders.used !== null && orders.peak <= maxObserved && orders.peak > orders.used, `peak ${orders.peak}, max ${maxObserved}, now ${orders.used}`);
    assert.equal(otherRow.connection, null);
    assert.equal(otherRow.capacity, 17);
    assert.equal(otherRow.canAdd, true);
    assert.equal(dead.up, false);
    assert.equal(dead.used, null);
    assert.equal(dead.level, 'unknown');
    assert.equal(dead.canAdd, false);
  });

  it('a bearer token goes to Prometheus and nowhere into what the dashboard shows', async function () {
    this.timeout(30_000);
    const token = 'tok-' + 'x'.repeat(12) + '-secret';
    const withToken = new PrometheusClient({ url: parsePrometheusUrl(prom.url) as URL, token, timeoutMs: 5_000 });
    const payload = await dashboard(new PrometheusFeed(() => undefined), withToken, defaultSelector('127.0.0.1', pg.port), '1h', [{ name: 'orders', selector: defaultSelector('127.0.0.1', pg.port) }]);
    // Prometheus without auth ignores the header: the answer is the same, and the token is in no field of the payload.
    assert.equal(payload.prometheus?.kind, 'ok', payload.prometheus?.text);
    assert.ok((payload.fleet?.rows.length ?? 0) >= 2);
    assert.ok(!JSON.stringify(payload).includes(token));
    assert.ok(parsePrometheusUrl('http://user:pw@127.0.0.1:9090') instanceof PrometheusError, 'credentials in the URL are refused');
  });

  it('a Prometheus that wants credentials: without a token the status asks for one, with a wrong one it says it was refused', async function () {
    this.timeout(60_000);
    // Prometheus 2.42 guards its API with basic auth only: a bearer token it does not know is refused with 401 like any other.
    const guarded = await startPrometheus({ targets: [], basicAuth: { user: 'pg-health', password: 'pw', bcrypt: PW_BCRYPT } });
    try {
      const url = parsePrometheusUrl(guarded.url) as URL;
      const without = await dashboard(new PrometheusFeed(() => undefined), new PrometheusClient({ url, timeoutMs: 5_000 }), defaultSelector('127.0.0.1', pg.port), '1h', []);
      assert.equal(without.prometheus?.text, `Prometheus at ${guarded.url} wants a token (HTTP 401): set one with "PostgreSQL Health: Set Prometheus Token…". The chart shows this editor's own samples.`);
      const wrong = await dashboard(new PrometheusFeed(() => undefined), new PrometheusClient({ url, token: 'not-the-one', timeoutMs: 5_000 }), defaultSelector('127.0.0.1', pg.port), '1h', []);
      assert.equal(wrong.prometheus?.text, `Prometheus at ${guarded.url} refused the token (HTTP 401): set another with "PostgreSQL Health: Set Prometheus Token…". The chart shows this editor's own samples.`);
      assert.ok(!JSON.stringify(wrong).includes('not-the-one'));
      assert.equal(wrong.live?.usage.used, 4);
    } finally {
      await guarded.stop();
    }
  });

  it('Prometheus down: the status says it cannot be reached and the chart shows the editor\'s own samples', async function () {
    this.timeout(30_000);
    const port = await freePort();
    const down = new PrometheusClient({ url: parsePrometheusUrl(`http://127.0.0.1:${port}`) as URL, timeoutMs: 3_000 });
    const payload = await dashboard(new PrometheusFeed(() => undefined), down, defaultSelector('127.0.0.1', pg.port), '1h', []);
    assert.equal(payload.prometheus?.kind, 'error');
    assert.equal(payload.prometheus?.text, `Cannot reach Prometheus at http://127.0.0.1:${port} (ECONNREFUSED). The chart shows this editor's own samples.`);
    assert.equal(payload.history.source, undefined);
    assert.deepEqual(payload.history.samples.map((s) => s.used), [3, 4, 4]);
    assert.equal(payload.live?.usage.used, 4);
    assert.match(payload.fleet?.error ?? '', /^Cannot reach Prometheus/);
  });

  it('a malformed URL and a URL that is not Prometheus (the exporter) each get their own sentence', async function () {
    this.timeout(30_000);
    const malformed = parsePrometheusUrl('ftp://127.0.0.1:9090');
    assert.ok(malformed instanceof PrometheusError);
    let payload = await dashboard(new PrometheusFeed(() => undefined), malformed, defaultSelector('127.0.0.1', pg.port), '1h', []);
    assert.equal(payload.prometheus?.text, 'pgHealth.prometheus.url must start with http:// or https:// (got ftp:).');
    assert.equal(payload.live?.usage.used, 4);
    assert.ok(parsePrometheusUrl('127.0.0.1:9090') instanceof PrometheusError);
    const notProm = new PrometheusClient({ url: parsePrometheusUrl(`http://${exporter.address}`) as URL, timeoutMs: 3_000 });
    payload = await dashboard(new PrometheusFeed(() => undefined), notProm, defaultSelector('127.0.0.1', pg.port), '1h', []);
    assert.equal(payload.prometheus?.kind, 'error');
    assert.match(payload.prometheus?.text ?? '', /answered HTTP \d+, but not as the Prometheus API does: is pgHealth\.prometheus\.url the Prometheus server/);
    assert.equal(payload.history.source, undefined);
  });

  it('no matching series: the status names the selector and how to set one', async function () {
    this.timeout(30_000);
    const payload = await dashboard(new PrometheusFeed(() => undefined), client, parseSelector('{server="db.internal:5432"}'), '24h', []);
    assert.equal(payload.prometheus?.kind, 'noSeries');
    assert.equal(
      payload.prometheus?.text,
      `Prometheus at ${prom.url} has no postgres_exporter series matching {server="db.internal:5432"} in this range: set "prometheusSelector" on this connection in pgHealth.connections (e.g. {instance="host:9187"}). The chart shows this editor's own samples.`,
    );
    assert.equal(payload.history.source, undefined);
    const bad = await dashboard(new PrometheusFeed(() => undefined), client, parseSelector('server=db'), '1h', []);
    assert.equal(bad.prometheus?.text, 'prometheusSelector of this connection: Not a Prometheus label matcher: server=db (expected e.g. instance="127.0.0.1:9187").');
  });

  it('an exporter that cannot reach its server (pg_up 0) is named, and its row in the Fleet shows no number', async function () {
    this.timeout(30_000);
    const payload = await dashboard(new PrometheusFeed(() => undefined), client, parseSelector(`{instance="${deadExporter.address}"}`), '1h', []);
    assert.equal(payload.prometheus?.kind, 'exporterDown');
    assert.equal(payload.prometheus?.text, `postgres_exporter at ${deadExporter.address} cannot reach PostgreSQL (pg_up 0): Prometheus has no current numbers for this connection.`);
    // Its server, once scraped, going down: the default selector still finds the exporter from its earlier series.
    await other.stop();
    const deadline = Date.now() + 15_000;
    let after: DashboardPayload;
    do {
      await new Promise((r) => setTimeout(r, 1_000));
      after = await dashboard(new PrometheusFeed(() => undefined), client, defaultSelector('127.0.0.1', other.port), '1h', []);
    } while (after.prometheus?.kind !== 'exporterDown' && Date.now() < deadline);
    assert.equal(after.prometheus?.kind, 'exporterDown', after.prometheus?.text);
    assert.match(after.prometheus?.text ?? '', new RegExp(`^postgres_exporter at ${otherExporter.address} cannot reach PostgreSQL \\(pg_up 0\\) since \\d\\d:\\d\\d UTC`));
    // Its earlier points stay on the chart.
    assert.equal(after.history.source?.kind, 'prometheus');
  });

  it('a slow Prometheus times out with a sentence while the dashboard renders at once from its own samples', async function () {
    this.timeout(30_000);
    // Prometheus cannot be made slow on demand: a loopback server that never answers stands in for it.
    const sockets = new Set<import('node:net').Socket>();
    const slow = http.createServer(() => undefined);
    slow.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as import('node:net').AddressInfo).port;
    try {
      const slowClient = new PrometheusClient({ url: parsePrometheusUrl(`http://127.0.0.1:${port}`) as URL, timeoutMs: 1_000 });
      const feed = new PrometheusFeed(() => undefined);
      const started = Date.now();
      const first = feed.view({ client: slowClient, selector: defaultSelector('127.0.0.1', pg.port), range: '1h' });
      assert.ok(Date.now() - started < 200, 'view() waited for Prometheus');
      assert.equal(first.status.kind, 'loading');
      const payload = await dashboard(feed, slowClient, defaultSelector('127.0.0.1', pg.port), '1h', []);
      assert.equal(payload.prometheus?.text, `Prometheus at http://127.0.0.1:${port} did not answer within 1 s. The chart shows this editor's own samples.`);
      assert.equal(payload.live?.usage.used, 4);
      assert.equal(payload.history.samples.length, 3);
    } finally {
      for (const s of sockets) s.destroy();
      slow.close();
    }
  });
});
