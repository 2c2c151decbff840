// Section 6: what matching sessions to code costs (issue 18, item 4). A synthetic workspace index of
// 10,000 statements in 500 files — 300 tables, SELECT/UPDATE/INSERT/DELETE/joins/counts, near-duplicates
// that differ only in their WHERE, about 10 % with text the program fills in (WILDCARD: a table, a
// schema, a WHERE clause, an ORDER BY column), a few longer than track_activity_query_size, $1 and %s
// styles — and 3,000 sessions whose last query comes from those statements as the drivers send them:
// node-postgres/asyncpg text with $n, psycopg2 text with the constants spliced in (numbers, strings,
// negative numbers, NULL, booleans, dates as '…'::date, tuples for IN), patterns filled in, long ones
// cut off at 1023 bytes, and some matching nothing. SqlIndex.match for all 3,000 is timed against the
// naive way: every session compared with every site by the same compare(), best first by the same rank.
// Both must give the same top match for every session (reported), and the index's time is set against
// one refresh interval (pgHealth.refreshInterval's default, read from package.json).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeSql, WILDCARD } from '../src/analysis/sql/normalize';
import type { SqlSite } from '../src/analysis/sql/sites';
import { compare, SqlIndex, type CodeMatch, type IndexedSite } from '../src/analysis/sql/sqlIndex';
import { repoRoot } from '../test/support/paths';
import { median, round } from './stats';

export interface SqlMatchResults {
  statements: number;
  files: number;
  /** Sites with text the program fills in. */
  patterns: number;
  /** Sites longer than track_activity_query_size − 1 bytes. */
  long: number;
  sessions: number;
  /** Sessions by how their query was made. */
  sessionKinds: Record<string, number>;
  runs: number;
  /** Building the index's maps from the 10,000 sites (once, after the files change). */
  buildMs: number;
  /** Normalising the 3,000 queries alone (both ways do it once per session): median of the runs. */
  normalizeMs: number;
  /** Matching all sessions: median of the runs, and every run. */
  indexMs: number;
  indexRunsMs: number[];
  linearMs: number;
  linearRunsMs: number[];
  /** linearMs / indexMs. */
  speedup: number;
  refreshIntervalSeconds: number;
  /** indexMs as a share of one refresh interval, in percent. */
  shareOfRefreshPercent: number;
  /** Sessions whose top match is the same place (or none) both ways. */
  agreement: { same: number; total: number; differences: string[] };
  /** Sessions with a match, and those whose top match is the statement that made the query. */
  matched: number;
  generatorFirst: number;
  /** Sessions made to match nothing that matched nothing. */
  unmatchedAsMeant: number;
  unmatchedMeant: number;
}

interface Statement {
  /** Source text with {p} for a parameter and {w:kind} for text the program fills in. */
  template: string;
  style: 'dollar' | 'percent';
  site: IndexedSite;
}

const DOMAINS = ['billing', 'sales', 'crm', 'inventory', 'shipping', 'auth', 'audit', 'catalog', 'support', 'hr', 'finance', 'marketing', 'analytics', 'ops', 'payments'];
const ENTITIES = ['orders', 'customers', 'invoices', 'products', 'line_items', 'events', 'users', 'accounts', 'shipments', 'tickets', 'coupons', 'carts', 'sessions', 'tokens', 'notes', 'refunds', 'addresses', 'tasks', 'reviews', 'plans'];
const COLUMNS = [
  'id', 'customer_id', 'user_id', 'order_id', 'account_id', 'product_id', 'state', 'status', 'kind', 'name', 'email', 'total', 'amount', 'qty',
  'price', 'created_at', 'updated_at', 'deleted_at', 'active', 'note', 'payload', 'sku', 'region', 'priority', 'owner_id', 'due_at', 'currency', 'score',
];

class Random {
  private seed: number;
  constructor(seed: number) {
    this.seed = seed;
  }
  /** mulberry32 */
  next(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  picks<T>(items: readonly T[], n: number): T[] {
    const out = new Set<T>();
    while (out.size < Math.min(n, items.length)) out.add(this.pick(items));
    return [...out];
  }
}

/** One statement's template on `table`; `variant` makes near-duplicates differ in their WHERE. */
function template(r: Random, table: string, tables: readonly string[]): string {
  const cols = (n: number): string => r.picks(COLUMNS, n).join(', ');
  const where = (): string => {
    const parts = r.picks(COLUMNS.slice(1), 1 + r.int(3)).map((c) => {
      const op = r.pick(['= {p}', '= {p}', '= {p}', '> {p}', '<> {p}', 'IN {t}', '= ANY({p})', 'IS NULL']);
      return `${c} ${op}`;
    });
    return parts.join(r.pick([' AND ', ' AND ', ' OR ']));
  };
  switch (r.int(9)) {
    case 0:
    case 1:
      return `SELECT ${cols(2 + r.int(5))} FROM ${table} WHERE ${where()}${r.int(2) ? ` ORDER BY ${r.pick(COLUMNS)} DESC LIMIT {p}` : ''}`;
    case 2:
      return `UPDATE ${table} SET ${r.picks(COLUMNS.slice(1), 1 + r.int(3)).map((c) => `${c} = {p}`).join(', ')}, updated_at = now() WHERE ${where()}`;
    case 3: {
      const c = r.picks(COLUMNS.slice(1), 2 + r.int(5));
      return `INSERT INTO ${table} (${c.join(', ')}) VALUES (${c.map(() => '{p}').join(', ')})${r.int(2) ? ' RETURNING id' : ''}`;
    }
    case 4:
      return `DELETE FROM ${table} WHERE ${where()}`;
    case 5:
      return `SELECT count(*) FROM ${table} WHERE ${where()}`;
    case 6: {
      const other = r.pick(tables);
      return `SELECT a.${r.pick(COLUMNS)}, b.${r.pick(COLUMNS)} FROM ${table} a JOIN ${other} b ON b.id = a.${r.pick(COLUMNS.slice(1, 6))} WHERE a.${r.pick(COLUMNS.slice(1))} = {p}`;
    }
    case 7:
      return `SELECT ${cols(3)}, sum(${r.pick(['total', 'amount', 'qty'])}) FROM ${table} WHERE ${where()} GROUP BY ${r.pick(COLUMNS)}`;
    default:
      return `select ${cols(1 + r.int(4))} from ${table} where ${where()} limit {p}`;
  }
}

/** A pattern: text the program fills in. */
function patternTemplate(r: Random, table: string): string {
  switch (r.int(4)) {
    case 0:
      return `SELECT ${r.picks(COLUMNS, 3).join(', ')} FROM {w:table} WHERE ${r.pick(COLUMNS.slice(1))} = {p}`;
    case 1:
      return `SELECT ${r.picks(COLUMNS, 2).join(', ')} FROM ${table} WHERE {w:where}`;
    case 2:
      return `SELECT ${r.picks(COLUMNS, 3).join(', ')} FROM ${table} WHERE ${r.pick(COLUMNS.slice(1))} = {p} ORDER BY {w:column} DESC LIMIT {p}`;
    default:
      return `UPDATE {w:schema}.${table} SET ${r.pick(COLUMNS.slice(1))} = {p} WHERE id = {p}`;
  }
}

function longTemplate(r: Random, table: string): string {
  const columns: string[] = [];
  for (let i = 0; i < 16; i++) columns.push(`CASE WHEN ${table}.${r.pick(COLUMNS)} > {p} THEN coalesce(${table}.note, 'tier ${i}') ELSE ${table}.${r.pick(COLUMNS)} END AS tier_${i}`);
  return `SELECT ${table}.id, ${columns.join(', ')} FROM ${table} WHERE ${table}.${r.pick(COLUMNS.slice(1))} = {p}`;
}

/** The source text: $n or %s for parameters (IN %s, a tuple, for psycopg2; IN ($1, $2) otherwise), WILDCARD for filled-in text. */
function sourceText(t: string, style: Statement['style']): string {
  let n = 0;
  return t
    .replace(/\{[pt]\}/g, (m) => (style === 'percent' ? '%s' : m === '{t}' ? `($${++n}, $${++n})` : `$${++n}`))
    .replace(/\{w:\w+\}/g, WILDCARD);
}

const FILLS: Record<string, string[]> = {
  table: ['public.orders', 'archive_2025', 'tenant_17_events', 'staging_users'],
  where: ['active AND owner_id = $1', "state = 'open'", 'deleted_at IS NULL ORDER BY id', 'customer_id = $1 AND total > $2'],
  column: ['created_at', 'priority', 'score'],
  schema: ['public', 'tenant_4', 'archive'],
};

/** What the server sees when the statement runs: node-postgres/asyncpg send $n, psycopg2 splices constants in. */
function sessionText(r: Random, t: string, style: Statement['style']): string {
  let n = 0;
  const constant = (): string => r.pick(['42', ' -7', "'open'", "'o''brien'", 'NULL', 'true', "'2026-12-03'::date", "'2026-12-03T10:00:00'::timestamp", '3.5']);
  const tuple = (): string => r.pick(['(1, 2, 3)', '(9)', "('a', 'b')"]);
  return t
    .replace(/\{[pt]\}/g, (m) => (style === 'dollar' ? (m === '{t}' ? `($${++n}, $${++n})` : `$${++n}`) : m === '{t}' ? tuple() : constant()))
    .replace(/\{w:(\w+)\}/g, (_, kind: string) => r.pick(FILLS[kind] ?? ['x']));
}

/** Queries no statement of the workspace sends. */
const STRANGERS = [
  'SELECT pg_sleep($1)',
  'SELECT id FROM legacy_table WHERE id = $1',
  "SET application_name = 'worker'",
  'SHOW search_path',
  'SELECT 1',
  'VACUUM ANALYZE orders',
  'SELECT relname FROM pg_class WHERE relkind = $1',
  "SELECT * FROM information_schema.tables WHERE table_schema = 'public'",
];

/** Best first, as SqlIndex ranks: score, then a place with a call, then file and line. */
function byRank(a: CodeMatch, b: CodeMatch): number {
  return (
    b.score - a.score ||
    Number(b.site.api !== undefined) - Number(a.site.api !== undefined) ||
    (a.site.file < b.site.file ? -1 : a.site.file > b.site.file ? 1 : 0) ||
    a.site.range.startLine - b.site.range.startLine
  );
}

const placeOf = (m: CodeMatch | undefined): string => (m ? `${m.site.file}:${m.site.range.startLine + 1}` : 'none');

interface Session {
  query: string;
  truncated: boolean;
  kind: string;
  from?: Statement;
}

export function buildWorkspace(options: { statements: number; perFile: number; seed?: number }): Statement[] {
  const r = new Random(options.seed ?? 20261203);
  const tables: string[] = [];
  for (const d of DOMAINS) for (const e of ENTITIES) tables.push(`${d}_${e}`);
  const statements: Statement[] = [];
  const keys = new Set<string>();
  let file = 0;
  let fileStart = 0;
  let line = 10;
  let path = '';
  let style: Statement['style'] = 'dollar';
  while (statements.length < options.statements) {
    const table = r.pick(tables);
    if (file === 0 || statements.length - fileStart >= options.perFile) {
      // A new file: JavaScript/TypeScript with $n (60 %) or Python with %s.
      file++;
      fileStart = statements.length;
      line = 10;
      style = r.int(10) < 6 ? 'dollar' : 'percent';
      path = `${r.pick(['src', 'lib', 'jobs', 'api'])}/${r.pick(DOMAINS)}/module${file}.${style === 'dollar' ? r.pick(['ts', 'js']) : 'py'}`;
    }
    const roll = r.int(100);
    const base = roll < 10 ? patternTemplate(r, table) : roll < 12 ? longTemplate(r, table) : template(r, table, tables);
    // Near-duplicates: often two or three statements on the same table that differ in their WHERE.
    const group = roll >= 12 && r.int(3) === 0 ? [base, template(r, table, tables), template(r, table, tables)] : [base];
    for (const t of group) {
      const text = sourceText(t, style);
      const normalized = normalizeSql(text);
      if (keys.has(normalized.key)) continue;
      keys.add(normalized.key);
      line += 3 + r.int(12);
      const site: IndexedSite = {
        file: path,
        text: text.replaceAll(WILDCARD, '…').slice(0, 400),
        key: normalized.key,
        tokens: normalized.tokens,
        range: { startLine: line, startColumn: 4, endLine: line, endColumn: 60 },
        api: style === 'percent' ? 'cur.execute' : 'pool.query',
        functionName: `fn${statements.length}`,
      };
      statements.push({ template: t, style, site });
      if (statements.length >= options.statements) break;
    }
  }
  return statements;
}

function buildSessions(statements: readonly Statement[], count: number, seed: number): Session[] {
  const r = new Random(seed);
  const sessions: Session[] = [];
  const patterns = statements.filter((s) => s.site.tokens.includes(WILDCARD));
  const longs = statements.filter((s) => Buffer.byteLength(sessionText(new Random(1), s.template, 'dollar')) > 1100);
  while (sessions.length < count) {
    const roll = r.int(100);
    if (roll < 8) {
      sessions.push({ query: r.pick(STRANGERS), truncated: false, kind: 'matches nothing' });
      continue;
    }
    const from = roll < 14 && longs.length ? r.pick(longs) : roll < 24 && patterns.length ? r.pick(patterns) : r.pick(statements);
    let query = sessionText(r, from.template, from.style);
    let truncated = false;
    if (Buffer.byteLength(query) >= 1024) {
      query = Buffer.from(query).subarray(0, 1023).toString('utf8');
      truncated = true;
    }
    const kind = truncated ? 'cut off at 1023 bytes' : from.site.tokens.includes(WILDCARD) ? 'pattern filled in' : from.style === 'percent' ? 'psycopg2, constants spliced in' : '$n as sent by node-postgres/asyncpg';
    sessions.push({ query, truncated, kind, from });
  }
  return sessions;
}

/** The naive way: every site compared with every session by compare(), best first by the same rank. */
function linearTop(entries: readonly { site: IndexedSite; wildcardAt: number }[], query: string, truncated: boolean): CodeMatch | undefined {
  let tokens = normalizeSql(query).tokens;
  if (truncated && tokens.length > 1) tokens = tokens.slice(0, -1);
  if (tokens.length === 0) return undefined;
  const out: CodeMatch[] = [];
  for (const entry of entries) {
    const result = compare(entry, tokens, truncated);
    if (result) out.push({ site: entry.site, ...result });
  }
  return out.sort(byRank)[0];
}

function refreshIntervalSeconds(): number {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes?: { configuration?: { properties?: Record<string, { default?: unknown }> } | { properties?: Record<string, { default?: unknown }> }[] };
  };
  const configuration = manifest.contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  for (const section of sections) {
    const value = section.properties?.['pgHealth.refreshInterval']?.default;
    if (typeof value === 'number') return value;
  }
  throw new Error("package.json has no default for pgHealth.refreshInterval");
}

export function runSqlMatchBench(options: { statements: number; sessions: number; runs: number; log: (line: string) => void }): SqlMatchResults {
  const { log } = options;
  const statements = buildWorkspace({ statements: options.statements, perFile: 20 });
  const sessions = buildSessions(statements, options.sessions, 42);
  const files = new Map<string, SqlSite[]>();
  for (const s of statements) {
    const list = files.get(s.site.file) ?? [];
    list.push(s.site);
    files.set(s.site.file, list);
  }
  const index = new SqlIndex();
  for (const [file, sites] of files) index.setFile(file, sites);
  let started = performance.now();
  const size = index.size; // builds the maps
  const buildMs = performance.now() - started;
  const entries = statements.map((s) => ({ site: s.site, wildcardAt: s.site.tokens.indexOf(WILDCARD) }));
  log(`sqlmatch: ${size} statements in ${files.size} files, ${sessions.length} sessions`);

  const indexTops: (CodeMatch | undefined)[] = [];
  const linearTops: (CodeMatch | undefined)[] = [];
  const indexRunsMs: number[] = [];
  const linearRunsMs: number[] = [];
  const normalizeRunsMs: number[] = [];
  // Interleaved: index, linear, normalising alone, index, linear, …
  for (let run = 0; run < options.runs; run++) {
    started = performance.now();
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i] as Session;
      indexTops[i] = index.match(s.query, { truncated: s.truncated, limit: 1 })[0];
    }
    indexRunsMs.push(round(performance.now() - started, 1));
    started = performance.now();
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i] as Session;
      linearTops[i] = linearTop(entries, s.query, s.truncated);
    }
    linearRunsMs.push(round(performance.now() - started, 1));
    started = performance.now();
    let tokens = 0;
    for (const s of sessions) tokens += normalizeSql(s.query).tokens.length;
    normalizeRunsMs.push(round(performance.now() - started, 1));
    if (tokens === 0) throw new Error('no tokens');
    log(`sqlmatch: run ${run + 1}: index ${indexRunsMs[run]} ms, linear ${linearRunsMs[run]} ms`);
  }

  const differences: string[] = [];
  let same = 0;
  let matched = 0;
  let generatorFirst = 0;
  let unmatchedMeant = 0;
  let unmatchedAsMeant = 0;
  const sessionKinds: Record<string, number> = {};
  sessions.forEach((s, i) => {
    sessionKinds[s.kind] = (sessionKinds[s.kind] ?? 0) + 1;
    const a = indexTops[i];
    const b = linearTops[i];
    if (placeOf(a) === placeOf(b) && a?.score === b?.score) same++;
    else if (differences.length < 10) differences.push(`${s.query.slice(0, 120)}: index ${placeOf(a)} ${a?.score ?? ''}, linear ${placeOf(b)} ${b?.score ?? ''}`);
    if (a) matched++;
    if (s.from && a && a.site.file === s.from.site.file && a.site.range.startLine === s.from.site.range.startLine) generatorFirst++;
    if (!s.from) {
      unmatchedMeant++;
      if (!a) unmatchedAsMeant++;
    }
  });
  const indexMs = round(median(indexRunsMs), 1);
  const linearMs = round(median(linearRunsMs), 1);
  const interval = refreshIntervalSeconds();
  return {
    statements: size,
    files: files.size,
    patterns: statements.filter((s) => s.site.tokens.includes(WILDCARD)).length,
    long: statements.filter((s) => Buffer.byteLength(sessionText(new Random(1), s.template, 'dollar')) >= 1024).length,
    sessions: sessions.length,
    sessionKinds,
    runs: options.runs,
    buildMs: round(buildMs, 1),
    normalizeMs: round(median(normalizeRunsMs), 1),
    indexMs,
    indexRunsMs,
    linearMs,
    linearRunsMs,
    speedup: round(linearMs / indexMs, 1),
    refreshIntervalSeconds: interval,
    shareOfRefreshPercent: round((100 * indexMs) / (interval * 1000), 2),
    agreement: { same, total: sessions.length, differences },
    matched,
    generatorFirst,
    unmatchedAsMeant,
    unmatchedMeant,
  };
}
