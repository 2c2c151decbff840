// The abstract state of one path while the checker follows a single acquired resource through a
// function. Paths that reach the same state merge, which keeps the checker linear in the function's
// size: a state is small (the resource's status, the variables bound to it, a few known booleans).
import type { SourceRange } from '../findings';
import type { VarName } from '../model';

export type Status = 'none' | 'held' | 'released' | 'escaped';

/** Why a path left the normal flow; named in the finding's message. */
export type Cause =
  | { kind: 'call'; text: string; range: SourceRange }
  | { kind: 'await'; range: SourceRange }
  | { kind: 'yield'; range: SourceRange }
  /** `rethrowOf`: thrown from a handler that caught this (the failure a reader should be shown). */
  | { kind: 'throw'; range: SourceRange; rethrowOf?: Cause }
  | { kind: 'return'; range: SourceRange }
  | { kind: 'break'; range: SourceRange }
  | { kind: 'continue'; range: SourceRange };

export type CompletionKind = 'return' | 'throw' | 'break' | 'continue';

export interface Completion {
  kind: CompletionKind;
  label?: string;
  cause: Cause;
}

/** A finalizer remembers how its try block ended so it can continue that way afterwards. */
export type Resume = Completion | 'normal';

export interface World {
  status: Status;
  /** Variables that hold the resource, sorted. */
  vars: readonly string[];
  /** Variables that release the resource when called (`done` of `pool.connect(cb)`), sorted. */
  handles: readonly string[];
  /** Known truthiness of variables that conditions test. */
  facts: Readonly<Record<string, boolean>>;
  /** Set while the path is abrupt (returning, throwing, breaking). */
  pending?: Completion;
  resume: readonly Resume[];
  /** The resource was yielded to a generator's consumer. */
  yielded: boolean;
  /** Where the resource was released on this path (for double-release and use-after-release). */
  releasedAt?: SourceRange;
  /** The last abrupt completion this path recovered from (a caught throw, an inline `return`, a `continue`). */
  via?: Cause;
  /** The last node-style callback outcome this path took: the branch on its error parameter (`if (err)`). */
  outcome?: Outcome;
}

/** `connection.query(sql, (err, result) => { if (err) … })`: the path where the call `failed`, or succeeded. */
export interface Outcome {
  text: string;
  range: SourceRange;
  failed: boolean;
}

export function initialWorld(): World {
  return { status: 'none', vars: [], handles: [], facts: {}, resume: [], yielded: false };
}

function completionKey(c: Completion | undefined): string {
  return c ? `${c.kind}:${c.label ?? ''}` : '';
}

export function worldKey(w: World): string {
  const facts = Object.keys(w.facts)
    .sort()
    .map((k) => `${k}=${w.facts[k] ? 1 : 0}`)
    .join(',');
  const resume = w.resume.map((r) => (r === 'normal' ? 'n' : completionKey(r))).join('/');
  return `${w.status}|${w.vars.join(',')}|${w.handles.join(',')}|${facts}|${completionKey(w.pending)}|${resume}|${w.yielded ? 1 : 0}`;
}

// Calls that go to the database (or another process): the failures that really happen.
const IO_CALL =
  /(^|\.)(query|execute|executemany|execute_values|execute_batch|fetch|fetchval|fetchrow|fetchone|fetchall|fetchmany|copy_from|copy_to|copy_expert|copy_records_to_table|copy_from_query|commit|rollback|callproc|none|one|oneOrNone|many|manyOrNone|any|result|begin|prepare|send|request|get|post|put|fetchAll|read|write|readFile|writeFile)$/;

/**
 * How well a cause explains a leak to a reader: an early exit, then a query or other I/O that fails
 * (directly or rethrown from a handler), then an explicit throw, then any other call that may throw.
 */
export function causeRank(cause: Cause | undefined): number {
  const root = cause?.kind === 'throw' && cause.rethrowOf ? cause.rethrowOf : cause;
  switch (root?.kind) {
    case 'return':
    case 'break':
    case 'continue':
      return 0;
    case 'await':
      return 1;
    case 'call':
      return IO_CALL.test(root.text) ? 1 : 3;
    case 'throw':
      return 2;
    default:
      return 4;
  }
}

/**
 * One world per state. Of the paths that reach the same state the message describes one: the first
 * found, unless a later one has a cause that explains it better (a failing query over a logger call).
 */
export function dedupe(worlds: World[]): World[] {
  if (worlds.length < 2) return worlds;
  const seen = new Map<string, number>();
  const out: World[] = [];
  for (const w of worlds) {
    const key = worldKey(w);
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, out.length);
      out.push(w);
    } else if (w.pending && causeRank(w.pending.cause) < causeRank((out[at] as World).pending?.cause)) {
      out[at] = w;
    }
  }
  return out;
}

export function withVar(list: readonly string[], name: string): string[] {
  return list.includes(name) ? [...list] : [...list, name].sort();
}

export function withoutVar(list: readonly string[], name: string): string[] {
  return list.filter((v) => v !== name);
}

/** Holds nothing and is bound to nothing: what every path looks like before the acquire. */
export function isInert(w: World): boolean {
  return w.vars.length === 0 && w.handles.length === 0 && w.status === 'none';
}

export function paramWorld(name: VarName): World {
  return { ...initialWorld(), status: 'held', vars: [name] };
}

export function throwing(w: World, cause: Cause): World {
  return { ...w, pending: { kind: 'throw', cause } };
}

export function recovered(w: World): World {
  const { pending, ...rest } = w;
  return pending ? { ...rest, via: pending.cause } : rest;
}

export function loopKey(w: World): string {
  return `${w.status}|${w.vars.join(',')}|${w.handles.join(',')}|${JSON.stringify(w.facts)}|${w.yielded}|${w.resume.length}`;
}

export function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.startLine === b.startLine && a.startColumn === b.startColumn && a.endLine === b.endLine && a.endColumn === b.endColumn;
}

export function endOf(range: SourceRange): SourceRange {
  return { startLine: range.endLine, startColumn: Math.max(0, range.endColumn - 1), endLine: range.endLine, endColumn: range.endColumn };
}
