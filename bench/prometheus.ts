// Section 9: the dashboard's Prometheus reads at fleet scale. A real Prometheus (Debian's 2.42)
// holding 7 days × 50 PostgreSQL instances, backfilled with `promtool tsdb create-blocks-from
// openmetrics` (a point a minute per series, as a 60 s scrape would leave; built once and kept in
// the system temp dir). Ours: what one dashboard refresh of the 7 d range asks and builds — the Fleet
// (one range query per metric, all instances at once) and the connection's own chart (one per metric
// again), then the rows and the payload. The peer, in the same run: the same numbers asked the
// obvious way, one set of range queries per instance.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildDashboardPayload } from '../src/dashboard/dashboardModel';
import { prometheusOptions } from '../src/dashboard/prometheusModel';
import { parsePrometheusUrl, PrometheusClient } from '../src/prometheus/prometheusClient';
import { connectionSeries, fleetSeries, stepFor } from '../src/prometheus/prometheusSources';
import { parseSelector, Selector } from '../src/prometheus/selector';
import { prometheusAvailable, startPrometheus } from '../test/support/prometheus';
import { median, round } from './stats';

export interface PrometheusBenchResults {
  prometheusVersion: string;
  instances: number;
  days: number;
  seriesPerInstance: number;
  samples: number;
  scrapeSeconds: number;
  stepSeconds: number;
  backfill: 'promtool tsdb create-blocks-from openmetrics';
  backfillSeconds: number | null;
  /** TSDB blocks after Prometheus compacted the backfill (promtool writes one per 2 h per file). */
  blocks: number;
  runs: number;
  /** Ours, median ms: the Fleet's range queries; the connection's chart; rows + payload; all of it. */
  fleetQueryMs: number;
  chartQueryMs: number;
  modelMs: number;
  totalMs: number;
  /** Requests per refresh of the 7 d range: ours, the per-instance peer. */
  oursRequests: number;
  peerRequests: number;
  peerMs: number;
  /** Peer over ours (the Fleet's queries). */
  speedup: number;
  fleetRows: number;
  /** Points drawn by the 7 d chart. */
  chartPoints: number;
  payloadBytes: number;
}

const DAY_S = 86_400;
const INSTANCES = 50;
const DAYS = 7;
const SCRAPE_S = 60;
const STATES = ['active', 'idle', 'idle in transaction'];

function instanceLabels(i: number): { instance: string; server: string } {
  return { instance: `127.0.0.1:${19_000 + i}`, server: `127.0.0.1:${15_400 + i}` };
}

/** One instance's sessions by state at time t (s): a working day's swing, growing a little for some. */
function usage(i: number, t: number, end: number): Record<string, number> {
  const hour = (t % DAY_S) / 3600;
  const day = Math.max(0, Math.sin(((hour - 8) / 12) * Math.PI));
  const growth = (i % 5) * ((t - (end - DAYS * DAY_S)) / DAY_S);
  const base = 10 + (i % 7) * 5 + growth;
  const busy = base + (20 + (i % 11) * 4) * day;
  return { active: Math.round(busy * 0.2), idle: Math.round(busy * 0.7), 'idle in transaction': Math.round(busy * 0.1) };
}

/** The OpenMetrics files (one per core) and the TSDB blocks from them; reused while the parameters match. */
async function backfill(dir: string, log: (line: string) => void): Promise<{ dataDir: string; end: number; seconds: number | null }> {
  const meta = path.join(dir, 'meta.json');
  const dataDir = path.join(dir, 'data');
  const key = `${INSTANCES}x${DAYS}d@${SCRAPE_S}s-v2`;
  if (fs.existsSync(meta)) {
    const m = JSON.parse(fs.readFileSync(meta, 'utf8')) as { key: string; end: number };
    if (m.key === key && fs.existsSync(dataDir)) return { dataDir, end: m.end, seconds: null };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600;
  const start = end - DAYS * DAY_S;
  const parts = Math.max(1, Math.min(4, os.availableParallelism()));
  const files: string[] = [];
  for (let p = 0; p < parts; p++) {
    const file = path.join(dir, `part${p}.om`);
    files.push(file);
    const fd = fs.openSync(file, 'w');
    let buf = '';
    const flush = (force = false): void => {
      if (force || buf.length > 1 << 20) {
        fs.writeSync(fd, buf);
        buf = '';
      }
    };
    const mine = [...Array(INSTANCES).keys()].filter((i) => i % parts === p);
    const family = (name: string, value: (i: number, t: number) => Array<[string, number]>): void => {
      buf += `# TYPE ${name} gauge\n`;
      for (const i of mine) {
        const { instance, server } = instanceLabels(i);
        const rows = value(i, start).map(([extra]) => extra);
        for (let r = 0; r < rows.length; r++) {
          for (let t = start; t <= end; t += SCRAPE_S) {
            const [extra, v] = value(i, t)[r] as [string, number];
            buf += `${name}{job="postgres",instance="${instance}",server="${server}"${extra}} ${v} ${t}\n`;
            flush();
          }
        }
      }
    };
    family('pg_stat_activity_count', (i, t) => {
      const u = usage(i, t, end);
      return STATES.map((s) => [`,datname="app",state="${s}"`, u[s] as number]);
    });
    family('pg_settings_max_connections', (i) => [['', 100 + (i % 4) * 100]]);
    family('pg_settings_superuser_reserved_connections', () => [['', 3]]);
    buf += '# TYPE pg_up gauge\n';
    for (const i of mine) {
      const { instance } = instanceLabels(i);
      for (let t = start; t <= end; t += SCRAPE_S) {
        buf += `pg_up{job="postgres",instance="${instance}"} 1 ${t}\n`;
        flush();
      }
    }
    buf += '# EOF\n';
    flush(true);
    fs.closeSync(fd);
  }
  log(`prometheus: ${files.length} OpenMetrics files written, running promtool`);
  // One promtool per file, side by side (Prometheus 2.42 reads overlapping blocks).
  await Promise.all(
    files.map(
      (file) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`promtool exited ${code}: ${err.slice(-500)}`))));
        }),
    ),
  );
  for (const f of files) fs.rmSync(f, { force: true });
  await compact(dataDir, log);
  fs.writeFileSync(meta, JSON.stringify({ key, end }));
  const seconds = round((performance.now() - started) / 1000, 1);
  log(`prometheus: backfilled in ${seconds} s`);
  return { dataDir, end, seconds };
}

function blockCount(dataDir: string): number {
  return fs.readdirSync(dataDir).filter((f) => /^[0-9A-Z]{26}$/.test(f)).length;
}

/**
 * promtool writes a block per 2 hours (and per input file); a Prometheus that scraped for a week
 * holds a few large blocks, which it compacts in the background. Let Prometheus do that once, so
 * the queries read what a real one would.
 */
async function compact(dataDir: string, log: (line: string) => void): Promise<void> {
  const before = blockCount(dataDir);
  const prom = await startPrometheus({ targets: [], dataDir, scrapeIntervalSeconds: 60 });
  try {
    const deadline = Date.now() + 15 * 60_000;
    let last = before;
    let still = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5_000));
      const now = blockCount(dataDir);
      still = now === last && now < before ? still + 1 : 0;
      last = now;
      if (still >= 6) break;
    }
    log(`prometheus: compacted ${before} blocks into ${last}`);
  } finally {
    await prom.stop();
  }
}

export async function runPrometheusBench(options: { runs: number; log: (line: string) => void }): Promise<PrometheusBenchResults> {
  const { log } = options;
  if (!prometheusAvailable()) throw new Error('prometheus and prometheus-postgres-exporter are not installed (apt-get install prometheus prometheus-postgres-exporter)');
  const dir = path.join(os.tmpdir(), 'pg-health-bench-prometheus');
  const prepared = await backfill(dir, log);
  const backfillSeconds = prepared.seconds;
  // A copy per run: Prometheus compacts and writes into its data directory.
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-bench-prom-run-'));
  execFileSync('cp', ['-r', prepared.dataDir, path.join(runDir, 'data')]);
  const prom = await startPrometheus({ targets: [], dataDir: path.join(runDir, 'data'), scrapeIntervalSeconds: 60 });
  try {
    const version = (execFileSync('prometheus', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '').replace(/^prometheus, version /, '');
    const client = new PrometheusClient({ url: parsePrometheusUrl(prom.url) as URL, timeoutMs: 60_000 });
    const end = prepared.end * 1000;
    const start = end - DAYS * DAY_S * 1000;
    const step = stepFor(end - start);
    const selector = parseSelector(`{server="${instanceLabels(0).server}"}`) as Selector;
    // Warm up once (Prometheus loads the blocks' indexes lazily), and check the data is there.
    const warm = await fleetSeries(client, start, end, step);
    if (warm.instances.length !== INSTANCES) throw new Error(`Prometheus knows ${warm.instances.length} instances, expected ${INSTANCES}`);
    const fleetMs: number[] = [];
    const chartMs: number[] = [];
    const modelMs: number[] = [];
    const totalMs: number[] = [];
    const peerMs: number[] = [];
    let oursRequests = 0;
    let peerRequests = 0;
    let rows = 0;
    let chartPoints = 0;
    let payloadBytes = 0;
    for (let run = 0; run < options.runs; run++) {
      // Ours: what one refresh of a dashboard at 7 d asks and builds.
      const before = client.requests;
      const t0 = performance.now();
      const fleet = await fleetSeries(client, start, end, step);
      const t1 = performance.now();
      const chart = await connectionSeries(client, selector, start, end, step);
      const t2 = performance.now();
      const feedView = { status: { kind: 'ok' as const, origin: prom.url, selector: selector.text, text: '' }, chart, week: chart, fleet };
      const options7d = prometheusOptions(feedView, { range: '7d', connections: [{ name: 'app-0', selector }] });
      const payload = buildDashboardPayload(
        { name: 'app-0', status: { kind: 'live' }, snapshot: undefined, overview: undefined, history: [], peak: 0 },
        { historyRange: '7d', now: end, prometheus: options7d },
      );
      const json = JSON.stringify(payload);
      const t3 = performance.now();
      fleetMs.push(t1 - t0);
      chartMs.push(t2 - t1);
      modelMs.push(t3 - t2);
      totalMs.push(t3 - t0);
      oursRequests = client.requests - before;
      rows = payload.fleet?.rows.length ?? 0;
      chartPoints = payload.history.samples.length;
      payloadBytes = json.length;
      // Peer, interleaved: the fleet's numbers one instance at a time (its chart's queries per instance).
      if (run < Math.max(2, Math.ceil(options.runs / 3))) {
        const peerBefore = client.requests;
        const p0 = performance.now();
        for (const instance of fleet.instances) await connectionSeries(client, parseSelector(`{instance="${instance.instance}"}`) as Selector, start, end, step);
        peerMs.push(performance.now() - p0);
        peerRequests = client.requests - peerBefore;
      }
    }
    const result: PrometheusBenchResults = {
      prometheusVersion: version,
      instances: INSTANCES,
      days: DAYS,
      seriesPerInstance: STATES.length + 3,
      samples: INSTANCES * (STATES.length + 3) * (DAYS * DAY_S / SCRAPE_S + 1),
      scrapeSeconds: SCRAPE_S,
      stepSeconds: step / 1000,
      backfill: 'promtool tsdb create-blocks-from openmetrics',
      backfillSeconds,
      blocks: blockCount(prepared.dataDir),
      runs: options.runs,
      fleetQueryMs: round(median(fleetMs), 1),
      chartQueryMs: round(median(chartMs), 1),
      modelMs: round(median(modelMs), 2),
      totalMs: round(median(totalMs), 1),
      oursRequests,
      peerRequests,
      peerMs: round(median(peerMs), 1),
      speedup: round(median(peerMs) / median(fleetMs), 1),
      fleetRows: rows,
      chartPoints,
      payloadBytes,
    };
    log(`prometheus: ours ${result.totalMs} ms (${oursRequests} requests), peer ${result.peerMs} ms (${peerRequests} requests)`);
    return result;
  } finally {
    await prom.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
