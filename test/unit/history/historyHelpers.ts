// A store wired to a DiskHistory in a fresh folder, as extension.ts wires them, with the clock in the
// test's hands: a week of samples runs in seconds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskHistory } from '../../../src/history/diskHistory';
import { SnapshotStore } from '../../../src/postgres/store';
import { Snapshot } from '../../../src/postgres/snapshot';
import { snapshot } from '../dashboard/snapshotFixtures';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC. */
export const T0 = Date.parse('2026-11-30T00:00:00.000Z');

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-history-'));
}

/** What the monitor would hand the store: `used` sessions, some active and idle in transaction. */
export function usage(used: number, active = Math.min(used, 3), inTransaction = 0): Snapshot {
  return snapshot([], { used, byState: { active, 'idle in transaction': inTransaction, idle: Math.max(0, used - active - inTransaction) } });
}

export interface Window {
  store: SnapshotStore;
  disk: DiskHistory;
  warnings: string[];
  clock: { now: number };
}

/**
 * One VS Code window: a store keeping an hour of samples and `retentionDays` of minutes, and its
 * files, rewritten every `compactEveryMs` of the test's clock (default: the extension's 10 minutes).
 */
export function openWindow(directory: string, retentionDays = 7, clock = { now: T0 }, compactEveryMs?: number): Window {
  const store = new SnapshotStore(HOUR);
  store.setRetention(retentionDays * DAY);
  const warnings: string[] = [];
  const disk = new DiskHistory({
    directory,
    historyOf: (name) => store.get(name)?.history,
    restore: (name, points) => store.restoreHistory(name, points, clock.now),
    bounds: () => store.bounds(),
    log: { info: () => undefined, warn: (m) => warnings.push(m) },
    now: () => clock.now,
    ...(compactEveryMs !== undefined ? { compactEveryMs } : {}),
  });
  store.setHistorySink(disk);
  return { store, disk, warnings, clock };
}

/** Samples every `stepMs` from `from` (inclusive) to `to` (exclusive); `used` may follow the time. */
export function poll(w: Window, name: string, from: number, to: number, stepMs: number, used: (at: number) => number): void {
  for (let at = from; at < to; at += stepMs) {
    w.clock.now = at;
    w.store.update(name, usage(used(at)), at);
  }
}
