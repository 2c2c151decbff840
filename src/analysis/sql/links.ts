// A session linked to a leak: its last query comes from a function where the analyser found a pool
// client that is not released on every path. Pure, so the tree, the dashboard and the hover agree.
import type { Finding, SourceRange } from '../findings';
import type { CodeMatch } from './sqlIndex';

/** The rules whose finding means a client can stay checked out. */
const LEAK_RULES = new Set(['release-not-guaranteed', 'unreleased-client']);

/** Below this a match is a guess (a short pattern): no leak is claimed on it. */
const MIN_SCORE = 0.6;

export interface LeakLink {
  /** The file the query came from (a URI string, as the index keys files). */
  file: string;
  /** 0-based line of the call that sent the query. */
  line: number;
  functionName?: string;
  finding: Finding;
}

/** States in which a session holds a connection without using it: where a leak shows. */
export function holdsIdle(state: string | null): boolean {
  return state === 'idle' || state === 'idle in transaction' || state === 'idle in transaction (aborted)';
}

function within(inner: SourceRange, outer: SourceRange): boolean {
  const startsAfter = inner.startLine > outer.startLine || (inner.startLine === outer.startLine && inner.startColumn >= outer.startColumn);
  const endsBefore = inner.endLine < outer.endLine || (inner.endLine === outer.endLine && inner.endColumn <= outer.endColumn);
  return startsAfter && endsBefore;
}

/**
 * The leak behind a session's best match, when the function that sent its query has one. Only a
 * single best place counts: two equally good places in different functions prove nothing.
 */
export function leakLink(matches: readonly CodeMatch[], findingsOf: (file: string) => readonly Finding[]): LeakLink | undefined {
  const [best, second] = matches;
  if (!best || best.score < MIN_SCORE || !best.site.functionRange) return undefined;
  if (second && second.score === best.score && second.site.functionRange && (second.site.file !== best.site.file || second.site.functionRange.startLine !== best.site.functionRange.startLine)) {
    return undefined;
  }
  const range = best.site.functionRange;
  const finding = findingsOf(best.site.file).find((f) => LEAK_RULES.has(f.rule) && !f.suppressed && within(f.range, range));
  if (!finding) return undefined;
  return { file: best.site.file, line: best.site.range.startLine, ...(best.site.functionName ? { functionName: best.site.functionName } : {}), finding };
}
