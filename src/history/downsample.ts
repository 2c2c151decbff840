// The history's two resolutions: every sample for the recent past, one point per minute before it.
// A minute's point is its busiest sample (so the chart's stacked states add up to its height and a
// spike to capacity is never averaged away), with the minute's lowest and last `used` beside it.
import type { HistoryPoint } from '../postgres/store';

export const MINUTE_MS = 60_000;

export interface Bounds {
  /** Samples younger than this (before `now`) keep full resolution. */
  fullResolutionMs: number;
  /** Points older than this (before `now`) are dropped. */
  retentionMs: number;
}

export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** The end of the time a point stands for: its instant, or the end of its minute. */
export function pointEnd(p: HistoryPoint): number {
  return p.bucket ? p.at + MINUTE_MS : p.at;
}

/** Folds one more point (a sample or another bucket of the same minute) into a minute's bucket. */
export function foldInto(bucket: HistoryPoint | undefined, p: HistoryPoint): HistoryPoint {
  const minUsed = p.bucket?.minUsed ?? p.used;
  const samples = p.bucket?.samples ?? 1;
  const lastUsed = p.bucket?.lastUsed ?? p.used;
  if (!bucket?.bucket) {
    return { at: minuteOf(p.at), used: p.used, capacity: p.capacity, maxConnections: p.maxConnections, byState: { ...p.byState }, bucket: { minUsed, lastUsed, samples } };
  }
  const busier = p.used > bucket.used;
  return {
    at: bucket.at,
    used: busier ? p.used : bucket.used,
    // The limits as they were last seen in the minute (a restart may change them).
    capacity: p.capacity,
    maxConnections: p.maxConnections,
    byState: busier ? { ...p.byState } : bucket.byState,
    bucket: { minUsed: Math.min(bucket.bucket.minUsed, minUsed), lastUsed, samples: bucket.bucket.samples + samples },
  };
}

/**
 * Downsamples `history` (sorted by time) in place: samples of every minute that ended before
 * `now - fullResolutionMs` become one bucket per minute; points older than the retention go.
 * Cheap when nothing is due: it looks at the oldest samples only.
 */
export function enforceBounds(history: HistoryPoint[], now: number, bounds: Bounds): void {
  const oldest = now - bounds.retentionMs;
  let drop = 0;
  while (drop < history.length && pointEnd(history[drop] as HistoryPoint) < oldest) drop++;
  if (drop > 0) history.splice(0, drop);
  const cutoff = now - bounds.fullResolutionMs;
  // Buckets come first: find the first sample by bisection (this runs on every refresh).
  let low = 0;
  let high = history.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (history[mid]?.bucket) low = mid + 1;
    else high = mid;
  }
  const firstSample = low;
  let end = firstSample;
  while (end < history.length && minuteOf((history[end] as HistoryPoint).at) + MINUTE_MS <= cutoff) end++;
  if (end > firstSample) {
    const buckets: HistoryPoint[] = [];
    let previous = history[firstSample - 1];
    for (let i = firstSample; i < end; i++) {
      const p = history[i] as HistoryPoint;
      const last = buckets[buckets.length - 1] ?? (previous?.bucket && previous.at === minuteOf(p.at) ? previous : undefined);
      if (last && last.at === minuteOf(p.at)) {
        const merged = foldInto(last, p);
        if (last === previous) {
          history[firstSample - 1] = merged;
          previous = merged;
        } else buckets[buckets.length - 1] = merged;
      } else buckets.push(foldInto(undefined, p));
    }
    history.splice(firstSample, end - firstSample, ...buckets);
  }
}

/**
 * Merges the points of two sources (a file and memory) into one sorted history within the bounds.
 * Where `preferred` holds a minute as a bucket, the other source's points of that minute are its
 * own samples folded already (or another window's, close enough): the bucket stands alone.
 */
export function mergeHistories(other: readonly HistoryPoint[], preferred: readonly HistoryPoint[], now: number, bounds: Bounds): HistoryPoint[] {
  const folded = new Set<number>();
  for (const p of preferred) if (p.bucket) folded.add(p.at);
  const byKey = new Map<string, HistoryPoint>();
  for (const p of other) if (!folded.has(minuteOf(p.at))) byKey.set(`${p.bucket ? 'm' : 's'}${p.at}`, p);
  for (const p of preferred) byKey.set(`${p.bucket ? 'm' : 's'}${p.at}`, p);
  const all = [...byKey.values()].sort((x, y) => x.at - y.at || (x.bucket ? 0 : 1) - (y.bucket ? 0 : 1));
  // A bucket stands at its minute's start, so it sorts before that minute's samples: fold them into it.
  const merged: HistoryPoint[] = [];
  for (const p of all) {
    const last = merged[merged.length - 1];
    if (last?.bucket && last.at === minuteOf(p.at)) merged[merged.length - 1] = foldInto(last, p);
    else merged.push(p);
  }
  enforceBounds(merged, now, bounds);
  return merged;
}
