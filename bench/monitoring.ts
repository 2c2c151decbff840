// Section 3: what watching a busy server costs. Embedded PostgreSQL with max_connections raised, real
// sessions from `pg` clients in this process (most idle, some idle in transaction, some aborted, some
// running pg_sleep, a few waiting on a lock), then, interleaved 50 times:
// - our refresh (src/postgres/snapshotQuery.ts, two statements in one round trip);
// - pg_activity's queries for the same information, read from Debian's pg-activity package at run time:
//   server info (counts by state, max_connections), activities, waiting, blocking — four round trips
//   as pg_activity makes them per refresh. Its activities query leaves idle sessions out; a second
//   variant without that filter returns the same rows as ours.
// Server time is EXPLAIN (ANALYZE, TIMING OFF) planning + execution time of each statement; round trip
// is the client's wall time of the plain queries. Then the tree's model and the dashboard's payload
// from one snapshot, and the payload's size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { buildDashboardPayload } from '../src/dashboard/dashboardModel';
import { buildSnapshot, snapshotSql, takeSnapshot, type SessionRow, type SnapshotHeaderRow } from '../src/postgres/snapshotQuery';
import type { Snapshot } from '../src/postgres/snapshot';
import { SnapshotStore } from '../src/postgres/store';
import { groupSessions, sessionDescription, sessionLabel } from '../src/sidebar/sessionGroups';
import { startPostgres, type PgServer } from '../test/support/postgresServer';
import { median, round } from './stats';

const PG_ACTIVITY_QUERIES = '/usr/lib/python3/dist-packages/pgactivity/queries';

export interface QueryCost {
  /** Median over the runs, milliseconds. */
  serverMs: number;
  planningMs: number;
  executionMs: number;
  roundTripMs: number;
  roundTrips: number;
  rows: number;
}

export interface SessionsResult {
  sessions: number;
  /** pg_stat_activity's client backends when measured (ours counts them too). */
  clientBackends: number;
  byState: Record<string, number>;
  ours: QueryCost;
  pgActivity: QueryCost;
  pgActivityAllSessions: QueryCost;
  /** Ours over pg_activity as shipped, server time: the target is at most 1. */
  serverRatio: number;
  serverRatioSameRows: number;
  /** Client side, from one snapshot (median ms). */
  buildSnapshotMs: number;
  treeModelMs: number;
  dashboardPayloadMs: number;
  dashboardPayloadBytes: number;
  openSeconds: number;
}

export interface MonitoringResults {
  postgresVersion: string;
  maxConnections: number;
  runs: number;
  sizes: SessionsResult[];
  pgActivityQueryFiles: string[];
}

interface PeerQuery {
  file: string;
  sql: string;
}

/** pg_activity's SQL with its parameters as literals, as psycopg would send them for a refresh without filters. */
function pgActivityQueries(versionNum: number, includeIdle: boolean): PeerQuery[] {
  const pick = (prefix: string): string => {
    const files = fs.readdirSync(PG_ACTIVITY_QUERIES).filter((f) => f.startsWith(prefix) && f.endsWith('.sql'));
    // Names end in _post_NNNNNN (the minimum server_version_num) or _oldest: take the newest that applies.
    const applicable = files
      .map((f) => ({ f, min: /_post_(\d+)\.sql$/.exec(f)?.[1] }))
      .filter(({ min }) => min === undefined || Number(min) <= versionNum)
      .sort((a, b) => Number(b.min ?? 0) - Number(a.min ?? 0));
    const chosen = applicable[0]?.f;
    if (!chosen) throw new Error(`no pg_activity query ${prefix}*`);
    return chosen;
  };
  const files = [pick('get_server_info_'), pick('get_pg_activity_'), pick('get_waiting_'), pick('get_blocking_')];
  return files.map((file) => {
    let sql = fs.readFileSync(path.join(PG_ACTIVITY_QUERIES, file), 'utf8');
    sql = sql
      .replaceAll('{duration_column}', '"query_start"')
      .replaceAll('%(min_duration)s', '0')
      .replaceAll('%(dbname_filter)s', 'NULL')
      // pg_database_size() of every database is not information our snapshot has: leave it out (--no-db-size).
      .replaceAll('%(skip_db_size)s', 'true')
      .replaceAll('%(prev_total_size)s', '0')
      .replaceAll('%(using_rds)s', 'false')
      .trim()
      .replace(/;$/, '');
    if (includeIdle && file.startsWith('get_pg_activity_')) sql = sql.replace(/a\.state <> 'idle'\s*AND/, '');
    if (/%\(\w+\)s/.test(sql)) throw new Error(`unsubstituted parameter in ${file}`);
    return { file, sql };
  });
}

interface ExplainPlan {
  'Planning Time': number;
  'Execution Time': number;
  Plan: { 'Actual Rows': number };
}

async function explain(client: Client, sql: string): Promise<{ planning: number; execution: number; rows: number }> {
  const result = await client.query<{ 'QUERY PLAN': ExplainPlan[] }>(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`);
  const plan = result.rows[0]?.['QUERY PLAN'][0];
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return { planning: plan['Planning Time'], execution: plan['Execution Time'], rows: plan.Plan['Actual Rows'] };
}

interface Sample {
  planning: number;
  execution: number;
  roundTrip: number;
  rows: number;
}

async function measureOurs(client: Client, sql: string, statements: string[]): Promise<Sample> {
  let planning = 0;
  let execution = 0;
  let rows = 0;
  for (const statement of statements) {
    const e = await explain(client, statement);
    planning += e.planning;
    execution += e.execution;
    rows += e.rows;
  }
  const started = performance.now();
  await client.query(sql);
  return { planning, execution, rows, roundTrip: performance.now() - started };
}

async function measurePeer(client: Client, queries: PeerQuery[]): Promise<Sample> {
  let planning = 0;
  let execution = 0;
  let rows = 0;
  for (const q of queries) {
    const e = await explain(client, q.sql);
    planning += e.planning;
    execution += e.execution;
    rows += e.rows;
  }
  const started = performance.now();
  for (const q of queries) await client.query(q.sql);
  return { planning, execution, rows, roundTrip: performance.now() - started };
}

function cost(samples: Sample[], roundTrips: number): QueryCost {
  const planningMs = median(samples.map((s) => s.planning));
  const executionMs = median(samples.map((s) => s.execution));
  return {
    serverMs: round(median(samples.map((s) => s.planning + s.execution)), 3),
    planningMs: round(planningMs, 3),
    executionMs: round(executionMs, 3),
    roundTripMs: round(median(samples.map((s) => s.roundTrip)), 3),
    roundTrips,
    rows: Math.round(median(samples.map((s) => s.rows))),
  };
}

function timeMedian(runs: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return round(median(times), 3);
}

/** Opens sessions in the mix of states a busy application server leaves behind. */
export class SessionFarm {
  readonly clients: Client[] = [];
  private lockHolder: Client | undefined;

  constructor(private readonly server: PgServer) {}

  async grow(total: number, log: (line: string) => void): Promise<void> {
    const admin = await this.server.connect();
    await admin.query('CREATE TABLE IF NOT EXISTS bench_locked (id int)');
    await admin.end();
    if (!this.lockHolder) {
      this.lockHolder = await this.open('bench-lock-holder');
      await this.lockHolder.query('BEGIN');
      await this.lockHolder.query('LOCK TABLE bench_locked IN ACCESS EXCLUSIVE MODE');
    }
    const concurrency = 25;
    while (this.clients.length + 1 < total) {
      const batch = Math.min(concurrency, total - 1 - this.clients.length);
      const opened = await Promise.all(Array.from({ length: batch }, (_, i) => this.open(`bench-app-${(this.clients.length + i) % 12}`)));
      await Promise.all(opened.map((client, i) => this.setState(client, this.clients.length + i)));
      this.clients.push(...opened);
      if (this.clients.length % 500 < batch) log(`  monitoring: ${this.clients.length + 1} sessions open`);
    }
  }

  private async open(applicationName: string): Promise<Client> {
    const client = new Client({ connectionString: this.server.connectionString, application_name: applicationName });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** 60 % idle, 20 % idle in transaction, 5 % aborted, 14 % running pg_sleep, 1 % waiting on a lock. */
  private async setState(client: Client, index: number): Promise<void> {
    const slot = index % 100;
    if (slot < 60) return;
    if (slot < 80) {
      await client.query('BEGIN');
      await client.query('SELECT 1');
    } else if (slot < 85) {
      await client.query('BEGIN');
      await client.query('SELECT 1/0').catch(() => undefined);
    } else if (slot < 99) {
      void client.query('SELECT pg_sleep(3600)').catch(() => undefined);
    } else {
      await client.query('BEGIN');
      void client.query('LOCK TABLE bench_locked IN ACCESS EXCLUSIVE MODE').catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const admin = await this.server.connect();
    // pg_sleep and lock waits outlive a closed socket: end the backends first.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'bench-%'");
    await admin.end();
    await Promise.all([...this.clients, ...(this.lockHolder ? [this.lockHolder] : [])].map((c) => c.end().catch(() => undefined)));
  }
}

async function measureSize(monitor: Client, versionNum: number, runs: number, openSeconds: number, sessions: number): Promise<SessionsResult> {
  const sql = snapshotSql(versionNum);
  // The transaction's settings, the header and the sessions: each EXPLAINed on its own.
  const statements = sql.split(';\nSELECT').map((part, i) => (i === 0 ? part : `SELECT${part}`));
  const peer = pgActivityQueries(versionNum, false);
  const peerAll = pgActivityQueries(versionNum, true);
  // Let sleeping and waiting sessions settle into their states.
  await new Promise((r) => setTimeout(r, 1000));
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  const theirsAll: Sample[] = [];
  for (let i = 0; i < 3; i++) {
    await measureOurs(monitor, sql, statements);
    await measurePeer(monitor, peer);
  }
  for (let i = 0; i < runs; i++) {
    // Rotate who goes first: a warmer cache or a quieter moment must not always favour one side.
    const order = [0, 1, 2].map((k) => (k + i) % 3);
    for (const k of order) {
      if (k === 0) ours.push(await measureOurs(monitor, sql, statements));
      else if (k === 1) theirs.push(await measurePeer(monitor, peer));
      else theirsAll.push(await measurePeer(monitor, peerAll));
    }
  }

  const results = (await monitor.query(sql)) as unknown as [unknown, { rows: SnapshotHeaderRow[] }, { rows: SessionRow[] }];
  const [, header, rows] = results;
  const headerRow = header.rows[0] as SnapshotHeaderRow;
  const buildSnapshotMs = timeMedian(runs, () => buildSnapshot('bench', headerRow, rows.rows));
  const snapshot: Snapshot = await takeSnapshot(monitor, 'bench', versionNum);
  const treeModelMs = timeMedian(runs, () => {
    for (const group of groupSessions(snapshot.sessions, 'state')) {
      for (const s of group.sessions) {
        sessionLabel(s);
        sessionDescription(s);
      }
    }
  });
  // An hour of history at the default 2 s interval, as the dashboard sees it after a while.
  const store = new SnapshotStore(60 * 60 * 1000);
  const now = Date.now();
  for (let t = 1800; t > 0; t--) store.update('bench', snapshot, now - t * 2000);
  store.update('bench', snapshot, now);
  const state = store.get('bench');
  if (!state) throw new Error('store lost the snapshot');
  const dashboardPayloadMs = timeMedian(runs, () => buildDashboardPayload(state));
  const payloadBytes = Buffer.byteLength(JSON.stringify(buildDashboardPayload(state)));

  const ourCost = cost(ours, 1);
  const peerCost = cost(theirs, peer.length);
  const peerAllCost = cost(theirsAll, peerAll.length);
  return {
    sessions,
    clientBackends: snapshot.used,
    byState: snapshot.byState,
    ours: ourCost,
    pgActivity: peerCost,
    pgActivityAllSessions: peerAllCost,
    serverRatio: round(ourCost.serverMs / peerCost.serverMs, 2),
    serverRatioSameRows: round(ourCost.serverMs / peerAllCost.serverMs, 2),
    buildSnapshotMs,
    treeModelMs,
    dashboardPayloadMs,
    dashboardPayloadBytes: payloadBytes,
    openSeconds: round(openSeconds, 1),
  };
}

export async function runMonitoringBench(options: { sizes: number[]; runs: number; log: (line: string) => void }): Promise<MonitoringResults> {
  const largest = Math.max(...options.sizes);
  const maxConnections = largest + 100;
  const server = await startPostgres({ maxConnections, settings: { shared_buffers: '128MB' } });
  const farm = new SessionFarm(server);
  const monitor = await server.connect();
  try {
    const version = await monitor.query<{ v: string; n: string }>("SELECT version() AS v, current_setting('server_version_num') AS n");
    const versionNum = Number(version.rows[0]?.n);
    const sizes: SessionsResult[] = [];
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      const started = performance.now();
      await farm.grow(size, options.log);
      const openSeconds = (performance.now() - started) / 1000;
      const result = await measureSize(monitor, versionNum, options.runs, openSeconds, size);
      options.log(
        `  monitoring ${size}: ours server ${result.ours.serverMs} ms rtt ${result.ours.roundTripMs} ms; pg_activity server ${result.pgActivity.serverMs} ms rtt ${result.pgActivity.roundTripMs} ms (${result.pgActivity.roundTrips} round trips)`,
      );
      sizes.push(result);
    }
    return {
      postgresVersion: version.rows[0]?.v ?? 'unknown',
      maxConnections,
      runs: options.runs,
      sizes,
      pgActivityQueryFiles: pgActivityQueries(versionNum, false).map((q) => q.file),
    };
  } finally {
    await farm.close().catch(() => undefined);
    await monitor.end().catch(() => undefined);
    await server.stop();
  }
}
