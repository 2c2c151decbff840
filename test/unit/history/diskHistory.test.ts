// The usage history on the real file system: what a week of samples becomes, what survives a reload,
// what happens to files that are not ours or were damaged, and two windows writing at once.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyView } from '../../../src/dashboard/dashboardModel';
import { historyFileName } from '../../../src/history/diskHistory';
import { headerLine, parseHistoryFile, pointLine } from '../../../src/history/historyFile';
import { HistoryPoint } from '../../../src/postgres/store';
import { DAY, HOUR, MINUTE, openWindow, poll, T0, tempDir, usage, Window } from './historyHelpers';

const NAME = 'shop-prod';

/** The states with a count, as the file keeps them (zero counts are not written). */
function counted(points: readonly HistoryPoint[]): HistoryPoint[] {
  return points.map((p) => ({ ...p, byState: Object.fromEntries(Object.entries(p.byState).filter(([, n]) => n > 0)) }));
}

function history(w: Window): readonly HistoryPoint[] {
  return w.store.get(NAME)?.history ?? [];
}

/** Lets queued file operations run between bursts of samples, as the event loop does between refreshes. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('on-disk history', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every sample of the last hour and one point per minute before it, with the minute\'s highest, lowest and last', () => {
    const w = openWindow(dir);
    const spikeAt = T0 + 30 * MINUTE + 10_000;
    poll(w, NAME, T0, T0 + 3 * HOUR, 2_000, (at) => (at === spikeAt ? 90 : 20 + Math.floor((at - T0) / MINUTE) % 5));
    const points = history(w);
    const buckets = points.filter((p) => p.bucket);
    const samples = points.filter((p) => !p.bucket);
    // The minute the hour's edge falls in stays whole until it has passed the edge.
    assert.equal(buckets.length, 119, 'the two hours before the last one, a point a minute');
    assert.equal(samples.length, 1830, 'every sample of the last hour (and of the minute across its edge)');
    assert.ok(buckets.every((b, i) => b.at === T0 + i * MINUTE));
    const spike = buckets[30] as HistoryPoint;
    assert.equal(spike.used, 90, 'the spike survives as the minute\'s highest');
    assert.deepEqual(spike.bucket, { minUsed: 20, lastUsed: 20, samples: 30 });
    assert.deepEqual(spike.byState, { active: 3, 'idle in transaction': 0, idle: 87 }, 'the states of the busiest sample, so the stack adds up to it');
    assert.equal(w.store.get(NAME)?.peak, 90);
  });

  it('forgets what is older than the retention', async () => {
    const w = openWindow(dir, 2);
    poll(w, NAME, T0, T0 + 3 * DAY, 10_000, () => 12);
    await w.disk.idle();
    const points = history(w);
    assert.ok((points[0] as HistoryPoint).at >= T0 + DAY - MINUTE, 'nothing older than two days');
    assert.equal(points.filter((p) => p.bucket).length, 2 * 24 * 60 - 60);
    const onDisk = parseHistoryFile(fs.readFileSync(w.disk.fileOf(NAME), 'utf8'), NAME);
    assert.equal(onDisk.kind, 'ok');
    assert.ok(onDisk.kind === 'ok' && (onDisk.points[0] as HistoryPoint).at >= T0 + DAY - MINUTE, 'the file is bounded too');
  });

  it('shows the history from before a reload, samples written while compactions run included', async () => {
    // Rewrites every simulated minute, so appends keep arriving while a rewrite is under way.
    const before = openWindow(dir, 7, { now: T0 }, MINUTE);
    for (let hour = 0; hour < 2; hour++) {
      for (let chunk = 0; chunk < 60; chunk++) {
        const from = T0 + hour * HOUR + chunk * MINUTE;
        poll(before, NAME, from, from + MINUTE, 2_000, (at) => 10 + ((at / 2_000) % 7));
        await turn();
      }
    }
    await before.disk.idle();
    const after = openWindow(dir, 7, { now: before.clock.now });
    await after.disk.open(NAME);
    assert.deepEqual(counted(history(after)), counted(history(before)));
    assert.equal(after.store.get(NAME)?.peak, before.store.get(NAME)?.peak);
    assert.deepEqual(after.warnings, []);
  });

  it('draws the hours VS Code was closed as a gap in the 24 h and 7 d charts', async () => {
    const first = openWindow(dir);
    poll(first, NAME, T0, T0 + 2 * HOUR, 2_000, () => 30);
    await first.disk.idle();
    // Closed for five hours, then opened again for an hour.
    const second = openWindow(dir, 7, { now: T0 + 7 * HOUR });
    await second.disk.open(NAME);
    poll(second, NAME, T0 + 7 * HOUR, T0 + 8 * HOUR, 2_000, () => 40);
    const points = history(second);
    const now = second.clock.now;
    for (const [range, windowMs] of [['24h', DAY], ['7d', 7 * DAY]] as const) {
      const view = historyView(points, windowMs, 360, now, { range });
      assert.equal(view.gaps.length, 1, `${range}: one gap`);
      const gap = view.gaps[0] as { from: number; to: number };
      assert.equal(gap.from, T0 + 2 * HOUR, `${range}: from the last minute before closing`);
      assert.equal(gap.to, T0 + 7 * HOUR, `${range}: to the first sample after opening`);
      const breaks = view.samples.filter((s) => s.gapBefore);
      assert.equal(breaks.length, 1, `${range}: the line breaks once`);
      assert.equal(breaks[0]?.used, 40);
    }
    const lastHour = historyView(points, HOUR, 360, now, { range: '1h' });
    assert.deepEqual(lastHour.gaps, []);
    assert.ok(lastHour.samples.every((s) => !s.gapBefore));
  });

  it('sets a file that is not a history file aside, says so, and starts a new one', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const w = openWindow(dir);
    fs.writeFileSync(w.disk.fileOf(NAME), 'PK\u0003\u0004 not ours at all\n');
    await w.disk.open(NAME);
    assert.equal(history(w).length, 0);
    assert.equal(w.warnings.length, 1);
    assert.match(w.warnings[0] as string, /set aside as [0-9a-f]{32}\.jsonl\.set-aside-\d+-[0-9a-f]{6}: the first line is not a pg-health history header/);
    const aside = fs.readdirSync(dir).filter((f) => f.includes('.set-aside-'));
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, aside[0] as string), 'utf8'), 'PK\u0003\u0004 not ours at all\n', 'kept as it was');
    poll(w, NAME, T0, T0 + MINUTE, 2_000, () => 5);
    await w.disk.idle();
    const fresh = parseHistoryFile(fs.readFileSync(w.disk.fileOf(NAME), 'utf8'), NAME);
    assert.ok(fresh.kind === 'ok' && fresh.points.length === 30);
  });

  it("sets aside another connection's file, a newer format's and a damaged one, keeping the damaged one's readable points", async () => {
    const w = openWindow(dir);
    const file = w.disk.fileOf(NAME);
    const good = [pointLine({ at: T0, used: 7, capacity: 95, maxConnections: 100, byState: { idle: 7 } }), pointLine({ at: T0 + 2_000, used: 8, capacity: 95, maxConnections: 100, byState: { idle: 8 } })];
    const cases: Array<[string, string, RegExp]> = [
      ['other name', headerLine('billing') + good.join(''), /another connection name/],
      ['newer format', '{"format":"pg-health-history","version":2,"name":"shop-prod"}\n' + good.join(''), /format version 2, this extension reads 1/],
      ['damaged', headerLine(NAME) + (good[0] as string) + '[1,2,"three"]\n' + (good[1] as string), /1 damaged line\(s\); its 2 readable points are kept/],
    ];
    for (const [label, text, reason] of cases) {
      const fresh = openWindow(dir, 7, { now: T0 + 10_000 });
      fs.writeFileSync(file, text);
      await fresh.disk.open(NAME);
      assert.equal(fresh.warnings.length, 1, label);
      assert.match(fresh.warnings[0] as string, reason, label);
      assert.equal(fs.existsSync(file), false, `${label}: moved away`);
      assert.equal(history(fresh).length, label === 'damaged' ? 2 : 0, label);
    }
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.set-aside-')).length, 3);
    assert.deepEqual(w.warnings, []);
  });

  it('reads a file whose last line was cut short by a crash without setting it aside', async () => {
    const w = openWindow(dir, 7, { now: T0 + 10_000 });
    fs.writeFileSync(w.disk.fileOf(NAME), headerLine(NAME) + pointLine({ at: T0, used: 7, capacity: 95, maxConnections: 100, byState: { idle: 7 } }) + '[17648');
    await w.disk.open(NAME);
    assert.deepEqual(w.warnings, []);
    assert.equal(history(w).length, 1);
    // The next sample does not glue itself to the cut line: the file is rewritten first.
    poll(w, NAME, T0 + 12_000, T0 + 20_000, 2_000, () => 9);
    await w.disk.idle();
    const after = parseHistoryFile(fs.readFileSync(w.disk.fileOf(NAME), 'utf8'), NAME);
    assert.ok(after.kind === 'ok' && after.badLines === 0 && !after.tornTail && after.points.length === 5, JSON.stringify(after));
  });

  it('keeps the history in memory and says once when the folder cannot be written', async () => {
    // A file where the folder should be: every read and write fails, as on a full or read-only disk.
    const blocked = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocked, '');
    const w = openWindow(blocked);
    for (let i = 0; i < 20; i++) {
      poll(w, NAME, T0 + i * 2_000, T0 + i * 2_000 + 1, 2_000, () => 6);
      await w.disk.idle();
    }
    assert.equal(history(w).length, 20);
    assert.equal(w.warnings.length, 1, w.warnings.join('\n'));
    assert.match(w.warnings[0] as string, /ENOTDIR|EEXIST/);
  });

  it('deletes only the files nothing was written to within the retention', async () => {
    const w = openWindow(dir, 7, { now: T0 });
    const at = (file: string, ms: number): void => fs.utimesSync(path.join(dir, file), new Date(ms), new Date(ms));
    const expired = historyFileName('removed-long-ago');
    const asideExpired = `${historyFileName('shop-prod')}.set-aside-1700000000000-abcdef`;
    const recent = historyFileName('still-here');
    const notOurs = 'notes.txt';
    for (const f of [expired, asideExpired, recent, notOurs]) fs.writeFileSync(path.join(dir, f), 'x');
    at(expired, T0 - 8 * DAY);
    at(asideExpired, T0 - 30 * DAY);
    at(recent, T0 - 6 * DAY);
    at(notOurs, T0 - 300 * DAY);
    assert.equal(await w.disk.pruneExpired(), 2);
    assert.deepEqual(fs.readdirSync(dir).sort(), [notOurs, recent].sort());
  });

  it('keeps every sample when two windows append to the same file at once', async () => {
    const a = openWindow(dir, 7, { now: T0 }, 7 * DAY);
    const b = openWindow(dir, 7, { now: T0 }, 7 * DAY);
    // Each window's first sample rewrites the file; after that both only append.
    poll(a, NAME, T0, T0 + 1, 2_000, () => 1);
    await a.disk.idle();
    poll(b, NAME, T0 + 1_000, T0 + 1_001, 2_000, () => 1);
    await b.disk.idle();
    for (let round = 0; round < 200; round++) {
      const at = T0 + 2_000 + round * 10_000;
      poll(a, NAME, at, at + 10_000, 2_000, () => 2);
      poll(b, NAME, at + 1_000, at + 11_000, 2_000, () => 3);
      await turn();
    }
    await Promise.all([a.disk.idle(), b.disk.idle()]);
    const parsed = parseHistoryFile(fs.readFileSync(a.disk.fileOf(NAME), 'utf8'), NAME);
    assert.equal(parsed.kind, 'ok');
    if (parsed.kind !== 'ok') return;
    assert.equal(parsed.badLines, 0);
    assert.equal(parsed.tornTail, false);
    assert.equal(parsed.points.length, 2 + 200 * 5 * 2, 'every line of both windows');
    // A third window sees both windows' samples.
    const c = openWindow(dir, 7, { now: T0 + 2_000 + 200 * 10_000 });
    await c.disk.open(NAME);
    assert.equal(history(c).filter((p) => p.used === 2).length, 1000);
    assert.equal(history(c).filter((p) => p.used === 3).length, 1000);
  });

  it('writes nothing but the name and the counts, in a file named by a hash', async () => {
    const name = 'prod (alice@db.internal:5432)';
    const w = openWindow(dir);
    w.store.update(name, usage(4), T0);
    await w.disk.idle();
    assert.deepEqual(fs.readdirSync(dir), [historyFileName(name)]);
    assert.match(historyFileName(name), /^[0-9a-f]{32}\.jsonl$/);
    const text = fs.readFileSync(path.join(dir, historyFileName(name)), 'utf8');
    assert.equal(text, `${headerLine(name)}[${T0},4,95,100,3,1,0,0,0]\n`);
  });

  it('stays within a megabyte for a database polled every 2 s for a week', async () => {
    const w = openWindow(dir);
    // A working day's shape: busier from 9 to 18, with noise.
    const used = (at: number): number => (new Date(at).getUTCHours() >= 9 && new Date(at).getUTCHours() < 18 ? 60 : 15) + Math.floor((at / 2_000) % 11);
    for (let hour = 0; hour < 7 * 24; hour++) {
      poll(w, NAME, T0 + hour * HOUR, T0 + (hour + 1) * HOUR, 2_000, used);
      await w.disk.idle();
    }
    // Ten more minutes sample by sample, each written before the next: the file at its largest, just before a rewrite.
    let largest = 0;
    for (let at = T0 + 7 * DAY; at < T0 + 7 * DAY + 10 * MINUTE; at += 2_000) {
      poll(w, NAME, at, at + 1, 2_000, used);
      await w.disk.idle();
      largest = Math.max(largest, fs.statSync(w.disk.fileOf(NAME)).size);
    }
    await w.disk.compactNow(NAME);
    const size = fs.statSync(w.disk.fileOf(NAME)).size;
    const parsed = parseHistoryFile(fs.readFileSync(w.disk.fileOf(NAME), 'utf8'), NAME);
    assert.ok(parsed.kind === 'ok');
    const buckets = parsed.points.filter((p) => p.bucket).length;
    const samples = parsed.points.length - buckets;
    console.log(`      a week at 2 s: ${size} bytes after compaction (${largest} at most between compactions), ${buckets} minute buckets + ${samples} samples`);
    assert.ok(buckets >= 7 * 24 * 60 - 61 && buckets <= 7 * 24 * 60, `${buckets} buckets`);
    assert.ok(samples >= 1800 && samples <= 1830, `${samples} samples`);
    assert.ok(size < 1_000_000, `${size} bytes`);
    assert.ok(largest > size && largest < 1_100_000, `${largest} bytes at most`);
  });
});
