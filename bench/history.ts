// Section 8: what keeping the usage history on disk costs (src/history). Embedded PostgreSQL with
// idle `pg` sessions; the peer is the refresh itself (src/postgres/snapshotQuery.ts's takeSnapshot,
// one round trip), measured interleaved with ours in the same run:
// - the refresh path: SnapshotStore.update with the disk history attached (a week already in memory),
//   which downsamples and queues one line: all the refresh waits for;
// - the append: the queued line reaching the file (async, off the refresh path);
// - compaction: rewriting a week's file from memory (every 10 minutes), also per refresh amortised;
// - reading a week's file back at startup;
// - the size of a database-week at the default 2 s: a week of samples from the real snapshot's counts
//   through the store and the files with a simulated clock, compacted every 10 simulated minutes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import { DiskHistory } from '../src/history/diskHistory';
import { takeSnapshot } from '../src/postgres/snapshotQuery';
import type { Snapshot } from '../src/postgres/snapshot';
import { SnapshotStore } from '../src/postgres/store';
import { startPostgres } from '../test/support/postgresServer';
import { median, round } from './stats';

export interface HistoryResults {
  postgresVersion: string;
  sessions: number;
  runs: number;
  /** Peer: one refresh's snapshot query, client wall time (median ms). */
  refreshMs: number;
  /** What the refresh waits for: store.update with the history attached (median µs). */
  refreshPathUs: number;
  /** The queued line written to the file, off the refresh path (median ms). */
  appendMs: number;
  /** Rewriting a week's file (median ms) and that spread over the 300 refreshes of 10 minutes at 2 s. */
  compactionMs: number;
  compactionPerRefreshMs: number;
  /** Reading a week's file back and merging it into an empty store (median ms). */
  loadMs: number;
  /** A database-week at 2 s: the file after compaction, the largest it grew between compactions. */
  weekBytes: number;
  weekPeakBytes: number;
  weekBuckets: number;
  weekSamples: number;
  /** Ours over the peer. */
  refreshPathShare: number;
  writeShare: number;
}

const NAME = 'bench';
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const STEP = 2_000;

function openHistory(directory: string, clock: { now: number }): { store: SnapshotStore; disk: DiskHistory } {
  const store = new SnapshotStore(HOUR);
  store.setRetention(WEEK);
  const disk = new DiskHistory({
    directory,
    historyOf: (name) => store.get(name)?.history,
    restore: (name, points) => store.restoreHistory(name, points, clock.now),
    bounds: () => store.bounds(),
    log: { info: () => undefined, warn: (m) => process.stderr.write(`history: ${m}\n`) },
    now: () => clock.now,
  });
  store.setHistorySink(disk);
  return { store, disk };
}

/**
 * A week at 2 s, the counts of the real snapshot with a working day's swing; compactions as the
 * extension makes them. The last ten minutes go sample by sample, each written before the next, so
 * the file reaches its largest (a compacted week plus ten minutes of appended lines).
 */
async function simulateWeek(store: SnapshotStore, disk: DiskHistory, snapshot: Snapshot, clock: { now: number }, start: number): Promise<number> {
  const sample = (at: number): void => {
    clock.now = at;
    const hour = new Date(at).getUTCHours();
    const extra = (hour >= 9 && hour < 18 ? 40 : 0) + Math.floor((at / STEP) % 7);
    store.update(NAME, { ...snapshot, used: snapshot.used + extra, byState: { ...snapshot.byState, active: (snapshot.byState['active'] ?? 0) + extra } }, at);
  };
  const lastChunk = start + WEEK - 10 * 60_000;
  for (let chunk = start; chunk < lastChunk; chunk += 10 * 60_000) {
    for (let at = chunk; at < chunk + 10 * 60_000; at += STEP) sample(at);
    await disk.idle();
  }
  let peak = 0;
  for (let at = lastChunk; at < start + WEEK; at += STEP) {
    sample(at);
    await disk.idle();
    peak = Math.max(peak, fs.statSync(disk.fileOf(NAME)).size);
  }
  return peak;
}

export async function runHistoryBench(options: { sessions: number; runs: number; log: (line: string) => void }): Promise<HistoryResults> {
  const server = await startPostgres({ maxConnections: options.sessions + 20 });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-bench-history-'));
  const clients: Client[] = [];
  const monitor = await server.connect();
  try {
    for (let i = 0; i < options.sessions; i++) clients.push(await server.connect());
    const version = await monitor.query<{ v: string; n: string }>("SELECT version() AS v, current_setting('server_version_num') AS n");
    const versionNum = Number(version.rows[0]?.n);
    const snapshot = await takeSnapshot(monitor, NAME, versionNum);

    const clock = { now: Date.UTC(2026, 10, 30) };
    const start = clock.now;
    const { store, disk } = openHistory(directory, clock);
    const started = performance.now();
    const weekPeakBytes = await simulateWeek(store, disk, snapshot, clock, start);
    await disk.compactNow(NAME);
    const weekBytes = fs.statSync(disk.fileOf(NAME)).size;
    const points = store.get(NAME)?.history ?? [];
    const weekBuckets = points.filter((p) => p.bucket).length;
    options.log(`  history: a week at 2 s simulated in ${round((performance.now() - started) / 1000)} s: ${weekBytes} bytes (${weekBuckets} buckets + ${points.length - weekBuckets} samples)`);

    // Interleaved: the peer's refresh, then ours on top of a full week.
    const refresh: number[] = [];
    const refreshPath: number[] = [];
    const append: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      let t = performance.now();
      const fresh = await takeSnapshot(monitor, NAME, versionNum);
      refresh.push(performance.now() - t);
      clock.now += STEP;
      t = performance.now();
      store.update(NAME, fresh, clock.now);
      const queued = performance.now();
      refreshPath.push((queued - t) * 1000);
      await disk.idle();
      append.push(performance.now() - queued);
    }
    const compaction: number[] = [];
    for (let i = 0; i < Math.max(3, Math.round(options.runs / 10)); i++) {
      const t = performance.now();
      await disk.compactNow(NAME);
      compaction.push(performance.now() - t);
    }
    const load: number[] = [];
    for (let i = 0; i < Math.max(3, Math.round(options.runs / 10)); i++) {
      const reader = openHistory(directory, { now: clock.now });
      const t = performance.now();
      await reader.disk.open(NAME);
      load.push(performance.now() - t);
      if ((reader.store.get(NAME)?.history.length ?? 0) !== store.get(NAME)?.history.length) throw new Error('the week read back differs from memory');
    }

    const refreshMs = median(refresh);
    const compactionMs = median(compaction);
    const compactionPerRefreshMs = compactionMs / ((10 * 60_000) / STEP);
    const appendMs = median(append);
    const refreshPathUs = median(refreshPath);
    return {
      postgresVersion: version.rows[0]?.v ?? 'unknown',
      sessions: snapshot.used,
      runs: options.runs,
      refreshMs: round(refreshMs, 2),
      refreshPathUs: round(refreshPathUs, 1),
      appendMs: round(appendMs, 2),
      compactionMs: round(compactionMs, 1),
      compactionPerRefreshMs: round(compactionPerRefreshMs, 3),
      loadMs: round(median(load), 1),
      weekBytes,
      weekPeakBytes,
      weekBuckets,
      weekSamples: points.length - weekBuckets,
      refreshPathShare: round(refreshPathUs / 1000 / refreshMs, 4),
      writeShare: round((appendMs + compactionPerRefreshMs) / refreshMs, 3),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await monitor.end().catch(() => undefined);
    await server.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
