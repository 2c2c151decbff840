// Runs the path checker once per acquire in a function and once per parameter that the function
// might release, producing the function's findings and its summary for callers.
import type { AcquireApi, Catalogue, ReleaseSpec } from './catalogue';
import { childBlocks, FunctionContext, visitCalls } from './checker/functionContext';
import { PathChecker } from './checker/pathChecker';
import { collectedFinding, describeSite, racedFinding, requestFinding, siteFindings, type SiteDescription } from './checker/report';
import type { Finding } from './findings';
import { EXIT_METHODS } from './lowering/python';
import { RUN_ONCE } from './lowering/runOnce';
import type { SourceRange } from './findings';
import type { Block, CallOp, FunctionModel, Op, VarName } from './model';

export interface FunctionResult {
  findings: Finding[];
  /** Set when the function hands an acquired resource to its caller: callers acquire by calling it. */
  returnsAcquired?: AcquireApi;
  /** Parameters the function releases on every path that does not throw. */
  releasedParams: ReleasedParam[];
  /**
   * A JavaScript method that keeps what it acquires in `this.<field>`, which its class's one
   * releasing method (`releaser`) gives back: callers acquire with `x.method()` on an instance and
   * release with `x.releaser()` (learnedWrapper).
   */
  keepsAcquired?: { api: AcquireApi; releaser: string };
}

export interface ReleasedParam {
  index: number;
  /** Releasing it is all the function does (no query, commit or rollback): a fix may move the call. */
  onlyReleases: boolean;
}

function isAcquisition(call: CallOp, api: AcquireApi): boolean {
  if (call.context) return api.context !== 'safe';
  if (call.callback && api.callbackForm) {
    // node-postgres calls back with (err, client, release). A callback that cannot take the client is
    // another library's handler form (Slonik's `pool.connect(async (connection) => …)` releases when
    // the handler settles): nothing is handed out to leak.
    return call.callback.params.length >= 2;
  }
  // An unmanaged transaction is one the code keeps in a variable (`const trx = await knex.transaction()`);
  // a chained `db.transaction().execute(async (trx) => …)` (Kysely) is the managed form.
  if (api.releaseDecides && (call.target === undefined || call.target.startsWith('$'))) return false;
  if (api.errorResult && call.errorTarget === undefined) return false;
  return api.valueForm && !(api.valueFormTakesNoArguments && call.args.length > 0);
}

export function acquireSites(fn: FunctionModel, catalogue: Catalogue, poolNames: ReadonlySet<string>): { op: CallOp; api: AcquireApi }[] {
  const sites: { op: CallOp; api: AcquireApi }[] = [];
  visitCalls(
    fn.body,
    (call) => {
      const api = catalogue.matchAcquire(call.callee, poolNames) ?? catalogue.matchReleaseHandleCallback(call, poolNames);
      if (api && isAcquisition(call, api)) sites.push({ op: call, api });
    },
    false,
  );
  return sites;
}

/**
 * `exit`: the `__exit__` / `__aexit__` of the class `fn` is a method of (see exitMethodOf), which
 * releases what `fn` stores in `self`.
 */
export function analyzeFunction(fn: FunctionModel, catalogue: Catalogue, poolNames: ReadonlySet<string>, exit?: FunctionModel): FunctionResult {
  const findings: Finding[] = [];
  let returnsAcquired: AcquireApi | undefined;
  let keepsAcquired: FunctionResult['keepsAcquired'];
  // Built on first need: most functions of a workspace acquire nothing and release no parameter.
  let context: FunctionContext | undefined;
  const contextOf = (): FunctionContext => (context ??= new FunctionContext(fn.body));
  for (const { op, api } of acquireSites(fn, catalogue, poolNames)) {
    if (op.racedIn) {
      // Whatever the code does with the results, this one is lost when another promise rejects first.
      findings.push(racedFinding(describeSite(op, api), op.racedIn, fn));
      continue;
    }
    if (passedOnAsPromise(fn, op)) continue;
    // A script's own code runs once: a failure there ends it (see below), nothing piles up.
    const collection = fn.topLevel || runsOnce(fn, poolNames) ? undefined : acquiredIntoCollection(fn, op, catalogue);
    if (collection !== undefined) {
      findings.push(collectedFinding(describeSite(op, api), collection, fn));
      continue;
    }
    const events = new PathChecker(fn, { kind: 'acquire', op, api }, catalogue, poolNames, contextOf()).run();
    if (events.aborted) continue;
    // The module's own code leaves once per process (see FunctionModel.topLevel): only a loop that
    // acquires again leaks there. Not so a callback it passes (a route handler, a test): that runs per call.
    // So does a script's function that only that code calls, outside loops (lowering/runOnce.ts).
    if ((fn.topLevel || runsOnce(fn, poolNames)) && inOwnCode(fn.body, op)) events.leaks = events.leaks.filter((leak) => leak.kind === 'reacquire');
    const kept = fn.family === 'js' ? keptOnRequest(fn, events.escapes) : undefined;
    if (kept) {
      // The request carries the client on; how it gets back is the story, not a path of this function.
      // Express hands the response in as the second parameter; Koa keeps it on the context (`ctx.res`).
      const request = fn.params[0] as string;
      const response = /^(ctx|context)$/i.test(request) ? `${request}.res` : fn.params[1];
      if (kept.releasedOn !== 'close' && kept.releasedOn !== 'self') findings.push(requestFinding(describeSite(op, api), kept.field, kept.releasedOn, response, fn, kept.store));
      continue;
    }
    findings.push(...siteFindings(describeSite(op, api), events, fn));
    const field = exit ? events.escapes.find((e) => e.how === 'store' && e.field !== undefined && (exit.family === 'py' || exit.releasesFields?.includes(e.field)))?.field : undefined;
    if (exit && field !== undefined) findings.push(...exitFindings(describeSite(op, api), field, exit, catalogue, poolNames));
    if (exit?.family === 'js' && field !== undefined && exit.name !== undefined) keepsAcquired ??= { api, releaser: exit.name };
    const returned = events.escapes.find((e) => e.how === 'return');
    // Returned as an element of a tuple: callers find it at that place (`conn, cur = get_conn()`).
    if (returned) returnsAcquired ??= returned.index !== undefined ? { ...api, resultIndex: returned.index } : api;
  }
  return { findings, ...(returnsAcquired ? { returnsAcquired } : {}), ...(keepsAcquired ? { keepsAcquired } : {}), releasedParams: releasedParams(fn, catalogue, poolNames, contextOf) };
}

/**
 * A JavaScript acquire whose promise goes, never awaited and never named, straight into another call
 * (`expect(pool.connect(), 'to be fulfilled with', …)`): this function never holds the client; only
 * the function it was passed to can release it, and that function is judged where it is written.
 */
function passedOnAsPromise(fn: FunctionModel, op: CallOp): boolean {
  if (fn.family !== 'js' || op.awaited || op.callback || op.target === undefined || !op.target.startsWith('$')) return false;
  let into: CallOp | undefined;
  visitCalls(fn.body, (call) => {
    if (into === undefined && call !== op && call.args.includes(op.target)) into = call;
  });
  if (into === undefined) return false;
  // A call whose value is used may give the client back (`const client = await instrument(pool.connect())`):
  // that is the wrapper the path checker follows. Rare enough to look for the long way.
  const consumer = into.target;
  return consumer === undefined || (consumer.startsWith('$') && JSON.stringify(fn.body).split(`"${consumer}"`).length === 2);
}

/** The ops from `block` down to `target` (target excluded), when `target` is in it (closures not entered). */
function ancestors(block: Block, target: Op): Op[] | undefined {
  for (const op of block) {
    if (op === target) return [];
    for (const child of childBlocks(op, false)) {
      const below = ancestors(child, target);
      if (below) return [op, ...below];
    }
  }
  return undefined;
}

/**
 * An acquire in a loop that puts each client into a local collection (`clients.push(await
 * pool.connect())`, `conns.append(pool.getconn())`) with no `try` around it: when a later acquire
 * fails, the loop ends with a throw and the clients already collected are never released. The
 * collection's name, when that is the shape.
 */
function acquiredIntoCollection(fn: FunctionModel, op: CallOp, catalogue: Catalogue): string | undefined {
  if (op.target === undefined || (fn.family === 'js' && !op.awaited)) return undefined;
  let into: string | undefined;
  visitCalls(fn.body, (call) => {
    if (into === undefined && call !== op && call.args.includes(op.target) && catalogue.storesArgument(call.callee) && call.callee.receiverVar !== undefined) into = call.callee.receiverVar;
  }, false);
  if (into === undefined) return undefined;
  const path = ancestors(fn.body, op);
  if (!path?.some((o) => o.kind === 'loop')) return undefined;
  // Inside a try, its handler or finally may well give the collected ones back: not judged here.
  if (path.some((o) => o.kind === 'try')) return undefined;
  return into;
}

const REQUEST = /^(req|request|ctx|context)$/i;

/**
 * An Express/Koa middleware (a first parameter named `req`/`ctx`, or `(x, y, next)`) that keeps the
 * client on its request (`req.client = …`): the field, where it is stored, and how this function
 * sees it released (`self`, on a response event, or not at all: a later handler's job).
 */
function keptOnRequest(fn: FunctionModel, escapes: readonly { how: string; field?: string; range: SourceRange }[]): { field: string; store: SourceRange; releasedOn: 'self' | 'close' | 'finish' | 'end' | undefined } | undefined {
  const request = fn.params[0];
  if (request === undefined || !(REQUEST.test(request) || (fn.params.length >= 3 && /^next$/i.test(fn.params[2] ?? '')))) return undefined;
  const store = escapes.find((e) => e.how === 'store' && e.field?.startsWith(`${request}.`));
  if (!store?.field) return undefined;
  const events = new Set((fn.releasedOnResponse ?? []).filter((r) => r.field === store.field).map((r) => r.event));
  const releasedOn = events.has('self') ? 'self' : events.has('close') ? 'close' : events.has('finish') ? 'finish' : events.has('end') ? 'end' : undefined;
  return { field: store.field, store: store.range, releasedOn };
}

function runsOnce(fn: FunctionModel, poolNames: ReadonlySet<string>): boolean {
  return fn.family === 'py' && fn.name !== undefined && fn.methodOf === undefined && poolNames.has(`${RUN_ONCE}${fn.name}`);
}

/** Whether `target` is in the code of `block` itself, not in the callback of a call there (`app.get('/', async (req, res) => …)`). */
function inOwnCode(block: Block, target: Op): boolean {
  for (const op of block) {
    if (op === target) return true;
    if (op.kind === 'call') continue;
    for (const child of childBlocks(op, false)) if (inOwnCode(child, target)) return true;
  }
  return false;
}

/**
 * The method of `fn`'s class that gives back what `fn` keeps in a field, among `functions` (the
 * file's): in Python its `__exit__` / `__aexit__`; in JavaScript the one method that releases a
 * `this.<field>` (`release()`, `close()`, `commit()`). A JavaScript class with two such methods
 * (`commit()` and `rollback()`) leaves its callers a second way back when one fails: none is judged.
 */
export function exitMethodOf(fn: FunctionModel, functions: readonly FunctionModel[]): FunctionModel | undefined {
  if (fn.methodOf === undefined) return undefined;
  if (fn.family === 'py') return functions.find((f) => f !== fn && f.methodOf === fn.methodOf && EXIT_METHODS.has(f.name ?? ''));
  const releasers = functions.filter((f) => f !== fn && f.methodOf === fn.methodOf && (f.releasesFields?.length ?? 0) > 0);
  return releasers.length === 1 ? releasers[0] : undefined;
}

/**
 * A connection another method stored in `self.<field>` and the class's `__exit__` returns to the pool:
 * a path through `__exit__` that leaves holding it (a `commit()` that raises before `putconn`) leaks
 * it on every `with` that ends that way. Reported at the acquire, only when `__exit__` does release it
 * on some path: a class that returns it elsewhere (a `close()` method) is not judged here.
 */
function exitFindings(site: SiteDescription, field: string, exit: FunctionModel, catalogue: Catalogue, poolNames: ReadonlySet<string>): Finding[] {
  const events = new PathChecker(exit, { kind: 'param', name: field, api: site.api }, catalogue, poolNames).run();
  // Only a release that something failing skips: one under a condition of the class's own (an
  // ownership flag set where it acquires, `if self._owned:`) is taken to match how it acquired.
  events.leaks = events.leaks.filter((leak) => leak.kind === 'exit' && leak.cause !== undefined && leak.cause.kind !== 'return');
  if (events.aborted || events.releases.length === 0 || events.leaks.length === 0) return [];
  return siteFindings({ ...site, variable: field, exit }, events, exit).filter((f) => f.rule === 'release-not-guaranteed');
}

function releasedParams(fn: FunctionModel, catalogue: Catalogue, poolNames: ReadonlySet<string>, contextOf: () => FunctionContext): ReleasedParam[] {
  if (!fn.name) return [];
  const params = new Set(fn.params.filter((p): p is string => p !== undefined));
  if (params.size === 0) return [];
  const anyResource = anyResourceApi(catalogue);
  // Cheap pre-check, one walk for all parameters: only run the checker for a parameter some call could release.
  const mentioned = new Set<string>();
  visitCalls(
    fn.body,
    (call) => {
      for (;;) {
        const variable = catalogue.releasedVariable(anyResource, call.callee, call.args, (v) => params.has(v) && !mentioned.has(v), poolNames);
        if (variable === undefined) break;
        mentioned.add(variable);
      }
    },
    false,
  );
  const released: ReleasedParam[] = [];
  fn.params.forEach((param, index) => {
    if (param === undefined || !mentioned.has(param)) return;
    const events = new PathChecker(fn, { kind: 'param', name: param, api: anyResource }, catalogue, poolNames, contextOf()).run();
    if (events.aborted) return;
    const normalExits = events.exits.filter((w) => w.pending?.kind !== 'throw');
    if (normalExits.length > 0 && normalExits.every((w) => w.status === 'released')) {
      released.push({ index, onlyReleases: onlyReleases(fn, param, anyResource, catalogue, poolNames) });
    }
  });
  return released;
}

/**
 * Whether every call in `fn` (its closures too) releases `param` through the driver or a helper that
 * only releases, or is one the catalogue says cannot fail (a logger): `releaseClient(c)` is such a
 * function, `commit(c)` (a COMMIT, then the release) is not.
 */
function onlyReleases(fn: FunctionModel, param: VarName, anyResource: AcquireApi, catalogue: Catalogue, poolNames: ReadonlySet<string>): boolean {
  let only = true;
  visitCalls(fn.body, (call) => {
    if (!only) return;
    const match = catalogue.releaseMatch(anyResource, call.callee, call.args, (v) => v === param, poolNames);
    if (match) {
      if (match.spec.kind === 'call' && match.spec.helper && !match.spec.helper.onlyReleases) only = false;
      return;
    }
    if (!catalogue.isNonThrowing(call.callee)) only = false;
  });
  return only;
}

/** Every release the catalogue knows, for a parameter whose driver is unknown. */
function anyResourceApi(catalogue: Catalogue): AcquireApi {
  const releases: ReleaseSpec[] = catalogue.acquires.flatMap((api) => api.releases);
  return {
    id: 'parameter',
    family: catalogue.family,
    method: '',
    valueForm: true,
    callbackForm: false,
    context: 'none',
    releases,
    noun: 'client',
    releaseHint: 'release',
  };
}

/**
 * A copy of `api` without what limits the underlying call itself (no arguments, a marker of the file's
 * imports, an instance method only, the class a static one is called on): a helper's callers are not bound by it.
 */
function withoutCallLimits(api: AcquireApi): AcquireApi {
  const copy: AcquireApi = { ...api };
  delete copy.valueFormTakesNoArguments;
  delete copy.onlyWithMarker;
  delete copy.instanceOnly;
  delete copy.staticOf;
  return copy;
}

/** The acquire API callers get when they call a function that returns an acquired resource. */
export function learnedAcquire(fn: FunctionModel, underlying: AcquireApi): AcquireApi | undefined {
  if (!fn.name || GENERIC_NAMES.has(fn.name)) return undefined;
  const driver = withoutCallLimits(underlying);
  // Java names a static method's class where it is called (`DataSource.getConnection()`): another class's
  // method of the same name (`Database.getConnection()`, a cached singleton) is not this one. (Not C#,
  // whose properties are PascalCase too: `Dbconnection.Open()` is a call on an instance.)
  const staticOf = fn.family === 'java' && fn.methodOf !== undefined ? fn.methodOf : undefined;
  return {
    ...driver,
    id: staticOf !== undefined ? `summary:${staticOf}.${fn.name}` : `summary:${fn.name}`,
    ...(staticOf !== undefined ? { staticOf } : {}),
    method: fn.name,
    receiver: undefined,
    valueForm: true,
    callbackForm: false,
    // `with helper() as conn` releases only when what the helper returns releases on exit itself.
    context: underlying.resourceIsContextManager ? 'safe' : underlying.context === 'safe' ? 'unsafe' : underlying.context,
    summaryOf: fn.name,
  };
}

/**
 * The acquire callers get from a wrapper class's method that keeps its client in a field: `await
 * db.connect()` on an instance (`const db = new Postgres()`) holds the client in `db` until
 * `db.disconnect()`. Generic names are fine here: only a name bound to `new …` matches.
 */
export function learnedWrapper(fn: FunctionModel, keeps: NonNullable<FunctionResult['keepsAcquired']>, module?: string): AcquireApi | undefined {
  if (!fn.name || fn.name === 'constructor' || fn.methodOf === undefined) return undefined;
  const driver = withoutCallLimits(keeps.api);
  delete driver.releaseTemplate;
  // The wrapper's own releasing method is what gives it back, not a commit-or-rollback decision.
  delete driver.releaseDecides;
  return {
    ...driver,
    id: `summary:${fn.methodOf}.${fn.name}/${keeps.releaser}`,
    method: fn.name,
    receiver: undefined,
    valueForm: true,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: keeps.releaser }],
    releaseHint: `${keeps.releaser}()`,
    releaseTemplate: `{var}.${keeps.releaser}()`,
    summaryOf: fn.name,
    onInstance: true,
    className: fn.methodOf,
    ...(module !== undefined ? { module } : {}),
  };
}

export function learnedRelease(fn: FunctionModel, released: ReleasedParam): ReleaseSpec | undefined {
  if (!fn.name || GENERIC_NAMES.has(fn.name)) return undefined;
  return { kind: 'call', method: fn.name, argument: released.index, helper: { name: fn.name, onlyReleases: released.onlyReleases } };
}

/** Names too common to treat every call of them as an acquire or a release. */
const GENERIC_NAMES = new Set(['connect', 'query', 'get', 'then', 'close', 'end', 'open', 'run', 'execute', 'call', 'apply', 'constructor', 'acquire', 'release', 'getconn', 'putconn', '__init__', '__enter__', '__exit__', '__aenter__', '__aexit__']);

