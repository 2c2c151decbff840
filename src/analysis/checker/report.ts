// Turns what the path checker saw for one acquire into findings whose message names the leaking path
// in one sentence, with the lines a reader needs.
import type { AcquireApi } from '../catalogue';
import { ruleMeta, type Finding, type LeakPath, type RelatedLocation, type RuleId, type SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { CallOp, FunctionModel } from '../model';
import type { Leak, SiteEvents } from './pathChecker';
import { causeRank, type Cause } from './world';

const line = (r: SourceRange): number => r.startLine + 1;

function before(a: SourceRange, b: SourceRange): boolean {
  return a.startLine < b.startLine || (a.startLine === b.startLine && a.startColumn < b.startColumn);
}

function describe(cause: Cause, family: LanguageFamily): string {
  if (cause.kind === 'throw' && cause.rethrowOf && cause.rethrowOf.kind !== 'throw') {
    return `${describe(cause.rethrowOf, family)} (${family === 'py' ? 'raised again' : 'rethrown'} on line ${line(cause.range)})`;
  }
  if (cause.kind === 'throw' && family === 'py') return `the \`raise\` on line ${line(cause.range)}`;
  if (cause.kind === 'throw' && family === 'go') return `the \`panic\` on line ${line(cause.range)}`;
  switch (cause.kind) {
    case 'call':
      return `a throw from \`${cause.text}\` on line ${line(cause.range)}`;
    case 'await':
      return `a rejected \`await\` on line ${line(cause.range)}`;
    case 'yield':
      return `an exception raised at the \`yield\` on line ${line(cause.range)}`;
    default:
      return `the \`${cause.kind}\` on line ${line(cause.range)}`;
  }
}

function causeNote(cause: Cause): string {
  switch (cause.kind) {
    case 'call':
    case 'await':
    case 'yield':
      return 'may throw here';
    case 'return':
      return 'returns here without releasing it';
    default:
      return `leaves here with a \`${cause.kind}\` without releasing it`;
  }
}

/**
 * Which leaking path the message names: early exits say the most; then a query or other I/O that
 * fails (directly or rethrown), then an explicit throw (causeRank); then a loop that acquires again
 * or a reference overwritten; then any other call that may throw; a fall-through is last.
 */
function priority(leak: Leak): number {
  if (leak.kind !== 'exit') return 3;
  const cause = leak.cause ?? leak.via;
  if (!cause) return 5;
  const rank = causeRank(cause);
  return rank < 3 ? rank : 4;
}

export interface SiteDescription {
  op: CallOp;
  api: AcquireApi;
  /** The variable holding the resource (from the acquire's target or the callback's parameter). */
  variable: string | undefined;
  /** The leak is in another function, the class's `__exit__`, which releases the field `variable`. */
  exit?: FunctionModel;
}

export function describeSite(op: CallOp, api: AcquireApi): SiteDescription {
  // A wrapper's instance holds the client itself (`await db.connect()`): the instance is the variable.
  const target = api.onInstance ? op.callee.receiverVar : op.callback && api.callbackForm ? op.callback.params[1] : op.target;
  // Go's lowering names a variable declared again in an inner block `err#1`: the code calls it `err`.
  return { op, api, variable: target !== undefined && !target.startsWith('$') ? target.replace(/#\d+$/, '') : undefined };
}

function subject(site: SiteDescription): string {
  const call = `\`${site.op.callee.text}()\` on line ${line(site.op.range)}`;
  return site.variable ? `\`${site.variable}\` from ${call}` : `The ${site.api.noun} from ${call}`;
}

/** The release this site's code would call, in its own names: `done()` or `clientDB.release()`, `pgpool.putconn(conn)`. */
function releaseText(site: SiteDescription): string {
  const { op, api, variable } = site;
  const fill = (template: string): string =>
    template.replace(/^await\s+/, '').replace('{var}', variable ?? '').replace('{receiver}', op.callee.receiver ?? 'pool');
  // Either of two methods ends it (knex's and Sequelize's `trx.commit()` or `trx.rollback()`).
  const either = api.releases.length > 1 && api.releases.every((r) => r.kind === 'method') ? api.releases.map((r) => r.method) : undefined;
  const own =
    variable !== undefined && !api.releaseTemplate && either
      ? either.map((method) => `\`${variable}.${method}()\``).join(' or ')
      : `\`${variable !== undefined && api.releaseTemplate ? fill(api.releaseTemplate) : api.releaseHint}\``;
  const handle = op.callback && api.callbackForm ? op.callback.params[2] : undefined;
  return handle !== undefined ? `\`${handle}()\` or ${own}` : own;
}

function finding(rule: RuleId, message: string, range: SourceRange, related: RelatedLocation[]): Finding {
  return { rule, severity: ruleMeta(rule).severity, message, range, related, fixable: false };
}

/**
 * A middleware that keeps the client on the request (`req.client = await pool.connect()`) and leaves
 * its release to a response event that not every request emits ('finish': not on an aborted
 * request), or to a later handler that a route answering without `next()` never reaches.
 */
export function requestFinding(site: SiteDescription, field: string, releasedOn: 'finish' | 'end' | undefined, response: string | undefined, fn: FunctionModel, store: SourceRange): Finding {
  const what = `\`${field}\` from ${`\`${site.op.callee.text}()\` on line ${line(site.op.range)}`}`;
  const res = response ?? 'res';
  const message =
    releasedOn !== undefined
      ? `${what} is kept on the request and released only when the response emits '${releasedOn}': a request the client aborts, or a handler that fails without answering, ends with 'close' alone and keeps it. Release it on 'close' (\`${res}.on('close', …)\`), which every response emits.`
      : res.endsWith('.res')
        ? `${what} is kept on the context for a later middleware to release: one that answers without calling \`next()\`, or fails before it, never gets there and keeps it. Release it in this middleware after \`await next()\`, in a \`finally\`.`
        : `${what} is kept on the request for a later handler to release: a route that answers without calling \`next()\`, or fails before it, never gets there and keeps it. Release it in this middleware when the response closes (\`${res}.on('close', () => ${field}.release())\`).`;
  return {
    ...finding('release-not-guaranteed', message, site.op.range, [{ range: store, message: 'kept on the request here' }]),
    resource: {
      variable: undefined,
      acquireRange: site.op.range,
      acquireStatementRange: site.op.statementRange,
      releaseRanges: [],
      helperReleases: [],
      functionRange: fn.range,
      api: site.api.id,
      handedOver: true,
      leakPaths: [],
      ...releaseCall(site),
      keptOnRequest: { field, releasedOn: releasedOn ?? 'later' },
    },
  };
}

/** Clients collected in a loop with no `try` around it: a later acquire that fails drops the ones collected. */
export function collectedFinding(site: SiteDescription, collection: string, fn: FunctionModel): Finding {
  const nouns = `${site.api.noun}s`;
  const message =
    `The ${nouns} from \`${site.op.callee.text}()\` on line ${line(site.op.range)} are kept in \`${collection}\` as this loop acquires them: ` +
    `when a later \`${site.op.callee.text}()\` fails, the loop ends with an exception and the ${nouns} already in \`${collection}\` are never released. ` +
    `Acquire inside the \`try\` whose \`finally\` releases every one in \`${collection}\`.`;
  return {
    ...finding('release-not-guaranteed', message, site.op.range, []),
    resource: {
      variable: undefined,
      acquireRange: site.op.range,
      acquireStatementRange: site.op.statementRange,
      releaseRanges: [],
      helperReleases: [],
      functionRange: fn.range,
      api: site.api.id,
      handedOver: true,
      leakPaths: [],
      ...releaseCall(site),
    },
  };
}

/** An acquire raced with other promises in `Promise.all([…])`: the first rejection drops the clients the others connect. */
export function racedFinding(site: SiteDescription, combinator: { range: SourceRange; by: string }, fn: FunctionModel): Finding {
  const message =
    `The ${site.api.noun} from \`${site.op.callee.text}()\` on line ${line(site.op.range)} is one of the promises \`${combinator.by}\` on line ${line(combinator.range)} waits for: ` +
    `when another rejects first, \`${combinator.by}\` rejects and this ${site.api.noun}, once it connects, is never released. ` +
    `Acquire one after the other, or use \`Promise.allSettled\` and release every one that connected.`;
  return {
    ...finding('release-not-guaranteed', message, site.op.range, [{ range: combinator.range, message: `${combinator.by}` }]),
    resource: {
      variable: undefined,
      acquireRange: site.op.range,
      acquireStatementRange: site.op.statementRange,
      releaseRanges: [],
      helperReleases: [],
      functionRange: fn.range,
      api: site.api.id,
      handedOver: true,
      leakPaths: [],
      ...releaseCall(site),
    },
  };
}

export function siteFindings(site: SiteDescription, events: SiteEvents, fn: FunctionModel): Finding[] {
  const findings: Finding[] = [];
  const details = {
    variable: site.variable,
    acquireRange: site.op.range,
    acquireStatementRange: site.op.statementRange,
    releaseRanges: events.releases,
    helperReleases: events.helperReleases,
    functionRange: fn.range,
    api: site.api.id,
    handedOver: events.escapes.length > 0,
    leakPaths: events.leaks.map(leakPath),
    ...releaseCall(site),
    ...(site.exit ? { releasedInExit: true } : {}),
  };
  // No fix for a resource whose release is a decision (knex's and Sequelize's commit or rollback):
  // moving one into a `finally` would commit what failed; without `resource`, no fix is offered.
  const fixDetails = site.api.releaseDecides ? {} : { resource: details };
  if (events.leaks.length > 0) {
    const leak = leakFinding(site, events, fn.family);
    findings.push({ ...leak, ...fixDetails });
  }
  for (const d of events.doubleReleases) {
    const name = site.variable ? `\`${site.variable}\`` : `the ${site.api.noun}`;
    findings.push({
      ...finding('double-release', `This releases ${name} a second time: it was already released on line ${line(d.first)} on this path.`, d.range, [
        { range: d.first, message: 'first release' },
        { range: site.op.range, message: 'acquired here' },
      ]),
      // Which release is a helper that also commits or rolls back: the fix must not remove that one.
      ...fixDetails,
    });
  }
  for (const u of events.usesAfterRelease) {
    const name = site.variable ? `\`${site.variable}\`` : `the ${site.api.noun}`;
    findings.push(
      finding('use-after-release', `\`${u.text}\` on line ${line(u.range)} uses ${name} after it was released on line ${line(u.releasedAt)}.`, u.range, [
        { range: u.releasedAt, message: 'released here' },
      ]),
    );
  }
  return findings;
}

function leakFinding(site: SiteDescription, events: SiteEvents, family: LanguageFamily): Finding {
  const released = events.releases.length > 0;
  const handedOver = events.escapes.length > 0;
  const range = findingRange(site.op);
  const withUse = events.withUses[0];
  if (withUse && !released) {
    const what = site.op.context ? `the ${site.api.noun}` : subject(site).replace(/^The/, 'the');
    return finding(
      'with-does-not-release',
      `\`${withUse.text}\` on line ${line(withUse.range)} ends a transaction but does not return ${what} to the pool; call ${site.api.releaseHint} in a \`finally\` block.`,
      range,
      [{ range: withUse.range, message: 'this `with` commits or rolls back; it does not release' }],
    );
  }
  if (!released && !handedOver) {
    const overwrite = events.leaks.find((l) => l.kind === 'overwrite');
    const why = overwrite
      ? `line ${line(overwrite.range)} overwrites its last reference while it is still held`
      : `no path calls ${releaseText(site)}`;
    // SQLAlchemy 2 keeps such a connection checked out until the cycle collector runs (measured: bench/wild/sqlalchemy_gc.py).
    const held = site.api.id === 'sqlalchemy.engine.connect' ? ' SQLAlchemy 2 keeps a connection nobody closes checked out until Python\'s garbage collector finds it.' : '';
    return finding('unreleased-client', `${subject(site)} is never released: ${why}.${held}`, range, overwrite ? [{ range: overwrite.range, message: 'the reference is overwritten here' }] : []);
  }
  const leaks = [...events.leaks].sort((a, b) => priority(a) - priority(b) || (before(a.range, b.range) ? -1 : 1));
  const main = leaks[0] as Leak;
  const skipped = skippedRelease(main.cause?.range ?? main.via?.range ?? main.range, events);
  const skipsText = skipped ? ` skips the ${skipped.what} on line ${line(skipped.range)}` : ' leaves without releasing it';
  let path: string;
  if (main.kind === 'reacquire') {
    path = `the loop acquires again on line ${line(main.range)} while the previous ${site.api.noun} is still held`;
    if (main.via) path += ` (${describe(main.via, family)}${skipsText})`;
  } else if (main.kind === 'overwrite') {
    path = `line ${line(main.range)} overwrites the last reference while it is still held`;
  } else if (main.cause ?? main.via) {
    const exit = (main.cause ?? main.via) as Cause;
    // A `return` in a handler leaves because something failed: say what (`except Exception: return None`).
    const caught = main.cause?.kind === 'return' && main.via && (main.via.kind === 'call' || main.via.kind === 'await') && before(main.via.range, main.cause.range) ? main.via : undefined;
    path = caught ? `${describe(exit, family)}, after ${describe(caught, family)} was caught,${skipsText}` : `${describe(exit, family)}${skipsText}`;
  } else if (main.outcome?.failed) {
    const { text, range: at } = main.outcome;
    path = `when \`${text}\` on line ${line(at)} ${family === 'go' ? 'returns an error' : 'passes an error to its callback'}, the path reaches the end of the function on line ${line(main.range)} without releasing it`;
  } else if (main.outcome) {
    const { text, range: at } = main.outcome;
    path = `when \`${text}\` on line ${line(at)} succeeds, it is never released (the path reaches the end of the function on line ${line(main.range)})`;
  } else {
    path = `a path reaches the end of the function on line ${line(main.range)} without releasing it`;
  }
  const related: RelatedLocation[] = [];
  const seenLines = new Set<number>();
  for (const leak of leaks) {
    const cause = leak.cause ?? leak.via;
    if (!cause || seenLines.has(cause.range.startLine) || related.length >= 4) continue;
    seenLines.add(cause.range.startLine);
    related.push({ range: cause.range, message: causeNote(cause) });
  }
  if (skipped) related.push({ range: skipped.range, message: `the ${skipped.what} this path skips` });
  const mainCause = main.cause ?? main.via;
  const other = leaks.find((l) => (l.cause ?? l.via) && mainCause && priority(l) !== priority(main) && priority(l) < 5);
  const otherCause = other?.cause ?? other?.via;
  const also = otherCause ? ` ${capitalise(describe(otherCause, family))} skips it too.` : '';
  const where = site.exit ? ` of \`${site.exit.name ?? '__exit__'}\` (line ${line(site.exit.nameRange ?? site.exit.range)})` : '';
  return finding('release-not-guaranteed', `${subject(site)} is not released on every path${where}: ${path}.${also}`, range, related);
}

function skippedRelease(from: SourceRange, events: SiteEvents): { range: SourceRange; what: string } | undefined {
  const releases = [...events.releases].sort((a, b) => (before(a, b) ? -1 : 1));
  const after = releases.find((r) => !before(r, from));
  if (after) return { range: after, what: 'release' };
  if (releases.length) return undefined;
  const escape = events.escapes.find((e) => !before(e.range, from));
  return escape ? { range: escape.range, what: 'hand-over' } : undefined;
}

/** The acquire call, or only its callee when the call spans lines (a callback would underline a whole block). */
export function findingRange(op: CallOp): SourceRange {
  return op.range.startLine === op.range.endLine ? op.range : op.calleeRange;
}

function releaseCall(site: SiteDescription): { releaseCall?: string } {
  const template = site.api.releaseTemplate;
  const receiver = site.op.callee.receiver;
  if (!template || !site.variable || (template.includes('{receiver}') && receiver === undefined)) return {};
  return { releaseCall: template.replace('{receiver}', receiver ?? '').replace('{var}', site.variable) };
}

function leakPath(leak: Leak): LeakPath {
  if (leak.kind !== 'exit') return { how: leak.kind, range: leak.range };
  return leak.cause ? { how: leak.cause.kind, range: leak.cause.range } : { how: 'end', range: leak.range };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
