// Debian's Prometheus and postgres_exporter on loopback, for the tests and the benchmark: one
// exporter per PostgreSQL server, one Prometheus scraping them every 2 s (an exporter whose server is down takes 1 s to answer). Stopped by stop().
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './postgresServer';
import { stopChild } from './processes';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const EXPORTER_BIN = '/usr/bin/prometheus-postgres-exporter';

export function prometheusAvailable(): boolean {
  return fs.existsSync(PROMETHEUS_BIN) && fs.existsSync(EXPORTER_BIN);
}

export interface Exporter {
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, proc: ChildProcess, log: string[], timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${path.basename(String(proc.spawnfile))} exited with ${proc.exitCode}:\n${log.slice(-20).join('\n')}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000), headers });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeoutMs} ms:\n${log.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function collect(proc: ChildProcess): string[] {
  const lines: string[] = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return lines;
}

/** postgres_exporter 0.11 for one server; `connectionString` without sslmode. */
export async function startExporter(connectionString: string): Promise<Exporter> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const proc = spawn(EXPORTER_BIN, [`--web.listen-address=${address}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATA_SOURCE_NAME: `${connectionString}?sslmode=disable` },
  });
  const log = collect(proc);
  const kill = (): void => void proc.kill('SIGKILL');
  process.once('exit', kill);
  // The landing page: /metrics of an exporter whose server is down takes a second (it retries once).
  try {
    await waitForHttp(`http://${address}/`, proc, log, 15_000);
  } catch (err) {
    process.removeListener('exit', kill);
    await stopChild(proc, 'SIGKILL', 1_000);
    throw err;
  }
  return {
    address,
    port,
    async stop() {
      process.removeListener('exit', kill);
      await stopChild(proc, 'SIGTERM', 5_000);
    },
  };
}

export interface PrometheusOptions {
  /** host:port of each exporter. */
  targets: string[];
  scrapeIntervalSeconds?: number;
  /** An existing TSDB (e.g. backfilled blocks) instead of a fresh folder. */
  dataDir?: string;
  /** Basic auth on the HTTP API (web.config.file): the user, its password and that password's bcrypt hash. */
  basicAuth?: { user: string; password: string; bcrypt: string };
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-prom-'));
  const dataDir = options.dataDir ?? path.join(dir, 'data');
  const seconds = options.scrapeIntervalSeconds ?? 2;
  const interval = `${seconds}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    '  - job_name: postgres',
    // An exporter whose server is down answers after a second: give it most of the interval.
    `    scrape_timeout: ${Math.max(1000, seconds * 1000 - 200)}ms`,
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, config);
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=30d', '--log.level=warn'];
  const headers: Record<string, string> = {};
  if (options.basicAuth) {
    const webConfig = path.join(dir, 'web.yml');
    fs.writeFileSync(webConfig, `basic_auth_users:\n  ${options.basicAuth.user}: ${options.basicAuth.bcrypt}\n`);
    args.push(`--web.config.file=${webConfig}`);
    headers['Authorization'] = `Basic ${Buffer.from(`${options.basicAuth.user}:${options.basicAuth.password}`).toString('base64')}`;
  }
  const proc = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = collect(proc);
  const kill = (): void => void proc.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, proc, log, 30_000, headers);
  } catch (err) {
    process.removeListener('exit', kill);
    await stopChild(proc, 'SIGKILL', 1_000);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    dataDir,
    async stop() {
      process.removeListener('exit', kill);
      await stopChild(proc, 'SIGTERM', 10_000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `query` returns at least `min` series (Prometheus has scraped the exporters). */
export async function waitForSeries(url: string, query: string, min: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { data?: { result?: unknown[] } };
      if ((body.data?.result?.length ?? 0) >= min) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url} had fewer than ${min} series for ${query} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
