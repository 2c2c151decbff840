// Which places in the workspace a session's last query came from. The index keeps every file's SQL
// sites (sites.ts) by their normalised text: a statement written out in full is found by one map
// lookup; one with text the program fills in (WILDCARD) is found through the literal tokens it starts
// with; a query that pg_stat_activity cut off (track_activity_query_size) through its first tokens.
// A session's query is never compared with every statement of the workspace.
import { normalizeSql, WILDCARD } from './normalize';
import type { SqlSite } from './sites';

export interface IndexedSite extends SqlSite {
  file: string;
}

export type MatchKind = 'exact' | 'pattern' | 'prefix';

export interface CodeMatch {
  site: IndexedSite;
  kind: MatchKind;
  /** 0..1, higher is better: exact 1; a pattern or a cut-off query by the share of tokens written out. */
  score: number;
}

export interface MatchOptions {
  /** pg_stat_activity cut the text off (it is track_activity_query_size − 1 bytes long): match it as a prefix. */
  truncated?: boolean;
  /** At most this many places, best first (default 20). */
  limit?: number;
}

/** Tokens a cut-off query or a pattern is bucketed by. */
const PREFIX_TOKENS = 4;

interface Entry {
  site: IndexedSite;
  /** Index of the first WILDCARD, or -1. */
  wildcardAt: number;
}

export class SqlIndex {
  private readonly byFile = new Map<string, IndexedSite[]>();
  private exact = new Map<string, Entry[]>();
  /** Patterns and full statements by their first PREFIX_TOKENS tokens (fewer when a WILDCARD comes sooner). */
  private byPrefix = new Map<string, Entry[]>();
  /** Patterns that start with a WILDCARD: compared one by one (few in real code). */
  private loose: Entry[] = [];
  private dirty = false;
  private count = 0;

  /** Replaces what the index knows of `file`. */
  setFile(file: string, sites: readonly SqlSite[]): void {
    const previous = this.byFile.get(file);
    if (sites.length === 0) {
      if (previous) this.deleteFile(file);
      return;
    }
    if (previous && sameSites(previous, sites)) return;
    this.byFile.set(file, sites.map((s) => ({ ...s, file })));
    this.dirty = true;
  }

  deleteFile(file: string): void {
    if (this.byFile.delete(file)) this.dirty = true;
  }

  /** Forgets files for which `keep` says no (a folder removed, files no longer analysed). */
  retain(keep: (file: string) => boolean): void {
    for (const file of [...this.byFile.keys()]) if (!keep(file)) this.deleteFile(file);
  }

  get size(): number {
    this.rebuild();
    return this.count;
  }

  sitesOf(file: string): readonly IndexedSite[] {
    return this.byFile.get(file) ?? [];
  }

  /** The places whose SQL `query` is, best first. */
  match(query: string, options: MatchOptions = {}): CodeMatch[] {
    this.rebuild();
    const limit = options.limit ?? 20;
    let tokens = normalizeSql(query).tokens;
    // The cut may fall inside a token: the last one is not to be trusted.
    if (options.truncated && tokens.length > 1) tokens = tokens.slice(0, -1);
    if (tokens.length === 0) return [];
    const out: CodeMatch[] = [];
    const seen = new Set<Entry>();
    const consider = (entry: Entry): void => {
      if (seen.has(entry)) return;
      seen.add(entry);
      const result = compare(entry, tokens, options.truncated ?? false);
      if (result) out.push({ site: entry.site, ...result });
    };
    if (!options.truncated) for (const entry of this.exact.get(tokens.join(' ')) ?? []) consider(entry);
    for (let n = 1; n <= Math.min(PREFIX_TOKENS, tokens.length); n++) {
      for (const entry of this.byPrefix.get(tokens.slice(0, n).join(' ')) ?? []) {
        // A statement written out in full matches a whole query only exactly (the lookup above).
        if (entry.wildcardAt < 0 && !options.truncated) continue;
        consider(entry);
      }
    }
    for (const entry of this.loose) consider(entry);
    return out.sort(byRank).slice(0, limit);
  }

  private rebuild(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.exact = new Map();
    this.byPrefix = new Map();
    this.loose = [];
    this.count = 0;
    const files = [...this.byFile.keys()].sort();
    for (const file of files) {
      for (const site of this.byFile.get(file) ?? []) {
        this.count++;
        const wildcardAt = site.tokens.indexOf(WILDCARD);
        const entry: Entry = { site, wildcardAt };
        if (wildcardAt < 0) push(this.exact, site.key, entry);
        if (wildcardAt === 0) {
          this.loose.push(entry);
          continue;
        }
        const n = Math.min(PREFIX_TOKENS, wildcardAt < 0 ? site.tokens.length : wildcardAt);
        push(this.byPrefix, site.tokens.slice(0, n).join(' '), entry);
      }
    }
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameSites(a: readonly SqlSite[], b: readonly SqlSite[]): boolean {
  return (
    a.length === b.length &&
    a.every((s, i) => {
      const t = b[i] as SqlSite;
      return s.key === t.key && s.range.startLine === t.range.startLine && s.range.startColumn === t.range.startColumn && s.functionName === t.functionName;
    })
  );
}

/** How `entry` matches the session's tokens, or undefined. Exported for the benchmark's linear scan. */
export function compare(entry: { site: SqlSite; wildcardAt: number }, tokens: readonly string[], truncated: boolean): Omit<CodeMatch, 'site'> | undefined {
  const site = entry.site.tokens;
  if (entry.wildcardAt < 0) {
    if (!truncated) return site.length === tokens.length && entry.site.key === tokens.join(' ') ? { kind: 'exact', score: 1 } : undefined;
    if (tokens.length > site.length) return undefined;
    for (let i = 0; i < tokens.length; i++) if (site[i] !== tokens[i]) return undefined;
    return { kind: 'prefix', score: 0.6 + 0.3 * (tokens.length / site.length) };
  }
  if (!globMatch(site, tokens, truncated)) return undefined;
  const literal = site.filter((t) => t !== WILDCARD).length;
  return { kind: 'pattern', score: 0.3 + 0.6 * Math.min(1, literal / Math.max(1, tokens.length)) };
}

/** Tokens of `pattern` (WILDCARD = any run of tokens) against `tokens`; with `prefix`, `tokens` may stop early. */
function globMatch(pattern: readonly string[], tokens: readonly string[], prefix: boolean): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < tokens.length) {
    if (p < pattern.length && pattern[p] !== WILDCARD && pattern[p] === tokens[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === WILDCARD) {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  if (prefix) return true;
  while (p < pattern.length && pattern[p] === WILDCARD) p++;
  return p === pattern.length;
}

/** Best first: score, then places where a call sends the text, then by file and line (stable across refreshes). */
function byRank(a: CodeMatch, b: CodeMatch): number {
  return (
    b.score - a.score ||
    Number(b.site.api !== undefined) - Number(a.site.api !== undefined) ||
    (a.site.file < b.site.file ? -1 : a.site.file > b.site.file ? 1 : 0) ||
    a.site.range.startLine - b.site.range.startLine
  );
}
