// The text of one database's history file: a header line naming the format and the connection,
// then one JSON array per line, appended as samples arrive and rewritten whole when compacted.
//   sample: [at, used, capacity, max_connections, active, idle, idle in transaction, aborted, other]
//   bucket: the same nine numbers for a minute's busiest sample, then [lowest used, last used, samples]
// Nothing else goes in: no host, no user, no connection string, no password.
import type { HistoryPoint } from '../postgres/store';

export const HISTORY_FORMAT = 'pg-health-history';
export const HISTORY_VERSION = 1;

interface Header {
  format: string;
  version: number;
  name: string;
}

const STATE_NAMES = ['active', 'idle', 'idle in transaction', 'idle in transaction (aborted)'] as const;

export function headerLine(name: string): string {
  const header: Header = { format: HISTORY_FORMAT, version: HISTORY_VERSION, name };
  return `${JSON.stringify(header)}\n`;
}

/** The five counts the chart draws; every other state (and sessions the role cannot see) is "other". */
function stateColumns(byState: Readonly<Record<string, number>>): number[] {
  const columns = [0, 0, 0, 0, 0];
  for (const [state, count] of Object.entries(byState)) {
    const i = (STATE_NAMES as readonly string[]).indexOf(state);
    columns[i >= 0 ? i : 4] = (columns[i >= 0 ? i : 4] ?? 0) + count;
  }
  return columns;
}

export function pointLine(p: HistoryPoint): string {
  const [a, i, t, ab, o] = stateColumns(p.byState);
  const bucket = p.bucket ? `,${p.bucket.minUsed},${p.bucket.lastUsed},${p.bucket.samples}` : '';
  // What JSON.stringify of the array gives, built directly: a week's rewrite makes 12,000 of these.
  return `[${p.at},${p.used},${p.capacity},${p.maxConnections},${a},${i},${t},${ab},${o}${bucket}]\n`;
}

export function fileText(name: string, points: readonly HistoryPoint[]): string {
  return headerLine(name) + points.map(pointLine).join('');
}

function parsePoint(line: string): HistoryPoint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || (value.length !== 9 && value.length !== 12)) return undefined;
  if (!value.every((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return undefined;
  const [at, used, capacity, maxConnections, active, idle, inTransaction, aborted, other, minUsed, lastUsed, samples] = value as number[];
  const byState: Record<string, number> = {};
  const counts = [active, idle, inTransaction, aborted];
  STATE_NAMES.forEach((state, i) => {
    if (counts[i]) byState[state] = counts[i] as number;
  });
  if (other) byState['other'] = other;
  const point: HistoryPoint = { at: at as number, used: used as number, capacity: capacity as number, maxConnections: maxConnections as number, byState };
  if (value.length === 12) point.bucket = { minUsed: minUsed as number, lastUsed: lastUsed as number, samples: samples as number };
  return point;
}

export type ParsedFile =
  | { kind: 'ok'; points: HistoryPoint[]; /** lines that were not points, besides a torn last line */ badLines: number; tornTail: boolean }
  | { kind: 'foreign'; reason: string };

/** Reads a history file of `name`; points come back sorted by time. */
export function parseHistoryFile(text: string, name: string): ParsedFile {
  const lines = text.split('\n');
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? '');
  } catch {
    return { kind: 'foreign', reason: 'the first line is not a pg-health history header' };
  }
  const h = header as Partial<Header> | null;
  if (typeof h !== 'object' || h === null || h.format !== HISTORY_FORMAT) return { kind: 'foreign', reason: 'the first line is not a pg-health history header' };
  if (h.version !== HISTORY_VERSION) return { kind: 'foreign', reason: `format version ${String(h.version)}, this extension reads ${HISTORY_VERSION}` };
  if (h.name !== name) return { kind: 'foreign', reason: 'it belongs to another connection name' };
  const points: HistoryPoint[] = [];
  let badLines = 0;
  let tornTail = false;
  // The text after the last newline is a line still being written (or cut short by a crash).
  const last = lines.length - 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    // Two windows creating the file at once may each write the header.
    if (line === '' || line === lines[0]) continue;
    const point = parsePoint(line);
    if (point) points.push(point);
    else if (i === last) tornTail = true;
    else badLines++;
  }
  // Appends from two windows may interleave slightly out of order.
  points.sort((a, b) => a.at - b.at || (a.bucket ? -1 : 1) - (b.bucket ? -1 : 1));
  return { kind: 'ok', points, badLines, tornTail };
}
