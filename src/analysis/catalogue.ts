// The driver catalogue: which calls hand out a pooled connection and which calls give it back. It is
// data, extended by the `pgHealth.analysis.acquire` / `release` settings and by workspace summaries.
import { GO_OWN } from './apis/goTypes';
import { FOREIGN_API, GENERIC_POOL_OF_POSTGRES, IMPORTS, INSTANCE, isForeignReceiver, QUIET } from './drivers';
import { familyOf, isLanguageId, LANGUAGE_FAMILIES, type LanguageFamily } from './languages';
import type { Callee, CallOp, VarName } from './model';
import { GO } from './apis/go';
import { JAVA } from './apis/java';
import { CSHARP } from './apis/csharp';

/** How a resource goes back to its pool. */
export type ReleaseSpec =
  /** A method on the resource: `client.release()`, `conn.close()`. */
  | { kind: 'method'; method: string }
  /** A call that takes the resource as an argument: `pool.putconn(conn)`, `releaseClient(c)`. */
  | { kind: 'call'; method: string; receiver?: RegExp; argument: number; helper?: HelperRelease };

/**
 * Set on a release learned from a workspace function (`commit(client)`): whether releasing is all it
 * does. A fix may move or remove a call to a helper that only releases; one that also commits or
 * rolls back stays where it is, and no fix adds a release on its paths.
 */
export interface HelperRelease {
  name: string;
  onlyReleases: boolean;
}

/** A release call as the catalogue matched it: the variable it releases and the spec that matched. */
export interface ReleaseMatch {
  variable: VarName;
  spec: ReleaseSpec;
}

/** The identity of a release API, as summaries are told apart (the id of an AcquireApi is its own). */
export function releaseId(spec: ReleaseSpec): string {
  return `release:${spec.method}:${spec.kind === 'call' ? spec.argument : ''}`;
}

export interface AcquireApi {
  id: string;
  family: LanguageFamily;
  /** The method or function name: `connect`, `getconn`. */
  method: string;
  /** Receiver's last name segment must match; undefined accepts any receiver and plain calls. */
  receiver?: RegExp;
  /** The call's result is the resource (`await pool.connect()`). */
  valueForm: boolean;
  /**
   * The value form takes no arguments: node-postgres' `pool.connect()` and postgres.js' `sql.reserve()`
   * do not; `driver.connect(binding)` or `pool.connect(handler)` is another API (or a callback whose
   * body the call site cannot show).
   */
  valueFormTakesNoArguments?: boolean;
  /**
   * The API counts only where the file's poolNames hold this marker (drivers.ts): generic-pool's and
   * tarn's `acquire()` hand out whatever their factory creates, PostgreSQL clients only in a file that
   * imports the pool library together with a PostgreSQL driver.
   */
  onlyWithMarker?: string;
  /** `pool.connect((err, client, done) => …)`: the callback gets (err, resource, release). */
  callbackForm: boolean;
  /** As a `with` item: `safe` releases at the end of the block, `unsafe` does not (psycopg's `with conn`). */
  context: 'safe' | 'unsafe' | 'none';
  releases: ReleaseSpec[];
  /** For messages: `client`, `connection`. */
  noun: string;
  /** For messages and docs: how to release it. */
  releaseHint: string;
  /** For fixes: the release call with `{receiver}` (the acquire's receiver) and `{var}` to fill in. */
  releaseTemplate?: string;
  /**
   * Each release is also a decision: knex's and Sequelize's `trx.commit()` or `trx.rollback()`. Findings
   * are reported without a fix (a fix would move a commit into a `finally`, or pick one of the two).
   */
  releaseDecides?: boolean;
  /**
   * Go: the call counts only when its results are taken with an error (`rows, err := db.Query(…)`):
   * Gin's `c.Query("id")` or a semaphore's `sem.Acquire(ctx, 1)` return no resource beside one.
   */
  errorResult?: boolean;
  /** Releasing again is harmless (Go: `defer tx.Rollback(ctx)` after `tx.Commit(ctx)`, a second `rows.Close()`): no double-release. */
  releaseIdempotent?: boolean;
  /** Methods that are meant to be called after the release (Go: `rows.Err()` after the rows are closed). */
  usableAfterRelease?: RegExp;
  /** Set for APIs learned from workspace functions: the function that was summarised. */
  summaryOf?: string;
  /** Java: learned from a method of this class; a call on another class by name (a static call) is another method. */
  staticOf?: string;
  /** An instance method (javax.sql.DataSource's getConnection): a call on a class by its name (`PostgreDataSource.getConnection()`, static) is the workspace's own. */
  instanceOnly?: boolean;
  /** The resource itself releases as a `with` item (SQLAlchemy's Connection closes on exit). */
  resourceIsContextManager?: boolean;
  /** The call returns a tuple whose element `resultIndex` is the resource (`return conn, cur`). */
  resultIndex?: number;
  /**
   * A method of the workspace's own wrapper class that keeps a pool client in a field (`await
   * db.connect()` storing `this.client`): the resource is the instance it is called on, and it counts
   * only on a name the file binds to `new SomeClass(…)` (INSTANCE markers).
   */
  onInstance?: boolean;
  /** With onInstance: the wrapper's class, and the file it is declared in (`postgresql` for lib/postgresql.js, when known). */
  className?: string;
  module?: string;
}

/** One language's rows of the catalogue (apis/go.ts, apis/java.ts, apis/csharp.ts). */
export interface LanguageCatalogue {
  apis: readonly AcquireApi[];
  /** Callees (as chainText gives them) taken not to throw. */
  nonThrowing: RegExp;
  /** Callees that end the process: nothing stays checked out after them. */
  endsProcess: RegExp;
  /**
   * What a file's imports say: a PostgreSQL driver, or only another database's (drivers.ts: the
   * builtin acquires do not count in a file that imports another database's driver and no PostgreSQL one).
   */
  imports?: (text: string) => { postgres: boolean; foreign: boolean };
}

/** `pgHealth.analysis.acquire` entries, e.g. `{ "language": "typescript", "call": "db.checkout", "release": "release" }`. */
export interface ExtraAcquire {
  language?: string;
  call: string;
  release?: string;
}

/** `pgHealth.analysis.release` entries, e.g. `{ "language": "python", "call": "db.checkin", "argument": 0 }`. */
export interface ExtraRelease {
  language?: string;
  call: string;
  argument?: number;
}

const POOL = /pool/i;


/** A library's unmanaged transaction, in files that import it: kept until `commit()` or `rollback()`, reported without a fix. */
function unmanagedTransaction(id: string, library: string, releaseHint: string): AcquireApi {
  return {
    id,
    family: 'js',
    method: 'transaction',
    valueForm: true,
    valueFormTakesNoArguments: true,
    onlyWithMarker: `${IMPORTS}${library}`,
    callbackForm: false,
    context: 'none',
    releases: [
      { kind: 'method', method: 'commit' },
      { kind: 'method', method: 'rollback' },
    ],
    releaseDecides: true,
    noun: 'transaction',
    releaseHint,
  };
}

const BUILTIN: readonly AcquireApi[] = [
  ...GO.apis,
  ...JAVA.apis,
  ...CSHARP.apis,
  {
    id: 'pg.pool.connect',
    family: 'js',
    method: 'connect',
    // `pg.connect(config, cb)` is node-postgres before 7 (its default pool), `this.pg` a pool kept as pg.
    receiver: /pool|^pg$/i,
    valueForm: true,
    valueFormTakesNoArguments: true,
    callbackForm: true,
    context: 'none',
    releases: [{ kind: 'method', method: 'release' }],
    noun: 'client',
    releaseHint: 'client.release()',
    releaseTemplate: '{var}.release()',
  },
  {
    id: 'postgres.reserve',
    family: 'js',
    method: 'reserve',
    valueForm: true,
    valueFormTakesNoArguments: true,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: 'release' }],
    noun: 'reserved connection',
    releaseHint: 'reserved.release()',
    releaseTemplate: '{var}.release()',
  },
  {
    // pg-promise's shared connection object: `const sco = await db.connect()` until `sco.done()`
    // (`db.task(…)` / `db.tx(…)` release by themselves). `connect({ direct: true })` too.
    id: 'pg-promise.connect',
    family: 'js',
    method: 'connect',
    // The database object (`db`, `this.db`, `database`): not a TypeORM query runner's or a client's own `connect()`.
    receiver: /db$|database/i,
    valueForm: true,
    onlyWithMarker: `${IMPORTS}pg-promise`,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: 'done' }],
    noun: 'connection',
    releaseHint: 'sco.done()',
    releaseTemplate: '{var}.done()',
  },
  {
    // TypeORM: `dataSource.createQueryRunner()` (or `connection.`, `manager.connection.`) holds a
    // connection from `qr.connect()` on until `qr.release()`; `dataSource.transaction(cb)` releases.
    id: 'typeorm.createQueryRunner',
    family: 'js',
    method: 'createQueryRunner',
    valueForm: true,
    onlyWithMarker: `${IMPORTS}typeorm`,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: 'release' }],
    noun: 'query runner',
    releaseHint: 'await queryRunner.release()',
    releaseTemplate: 'await {var}.release()',
  },
  // knex's unmanaged transaction: `const trx = await knex.transaction()` (no handler) holds a pool
  // connection until `trx.commit()` or `trx.rollback()`; either one gives it back. No fix: which of
  // the two belongs in a `finally` is the program's decision.
  unmanagedTransaction('knex.transaction', 'knex', 'trx.commit() or trx.rollback()'),
  // Sequelize's unmanaged transaction: `const t = await sequelize.transaction()` (no callback; options
  // given) holds a pool connection until `t.commit()` or `t.rollback()`. `sequelize.transaction(async
  // (t) => …)` is the managed form; options without a callback are not told apart from it.
  unmanagedTransaction('sequelize.transaction', 'sequelize', 't.commit() or t.rollback()'),
  {
    id: 'generic-pool.acquire',
    family: 'js',
    method: 'acquire',
    receiver: POOL,
    valueForm: true,
    onlyWithMarker: GENERIC_POOL_OF_POSTGRES,
    callbackForm: false,
    context: 'none',
    releases: [
      { kind: 'call', method: 'release', receiver: POOL, argument: 0 },
      { kind: 'call', method: 'destroy', receiver: POOL, argument: 0 },
      // knex hands tarn's resources back through its client.
      { kind: 'call', method: 'releaseConnection', argument: 0 },
    ],
    noun: 'resource',
    releaseHint: 'pool.release(resource)',
    releaseTemplate: '{receiver}.release({var})',
  },
  {
    // psycopg2.pool and psycopg_pool share the name and the release call.
    id: 'psycopg.pool.getconn',
    family: 'py',
    method: 'getconn',
    receiver: POOL,
    valueForm: true,
    callbackForm: false,
    context: 'unsafe',
    releases: [{ kind: 'call', method: 'putconn', receiver: POOL, argument: 0 }],
    noun: 'connection',
    releaseHint: 'pool.putconn(conn)',
    releaseTemplate: '{receiver}.putconn({var})',
  },
  {
    id: 'psycopg_pool.connection',
    family: 'py',
    method: 'connection',
    receiver: POOL,
    valueForm: false,
    callbackForm: false,
    context: 'safe',
    releases: [],
    noun: 'connection',
    releaseHint: 'with pool.connection() as conn:',
  },
  {
    id: 'asyncpg.pool.acquire',
    family: 'py',
    method: 'acquire',
    receiver: POOL,
    valueForm: true,
    callbackForm: false,
    context: 'safe',
    releases: [{ kind: 'call', method: 'release', receiver: POOL, argument: 0 }],
    noun: 'connection',
    releaseHint: 'await pool.release(conn)',
    releaseTemplate: 'await {receiver}.release({var})',
  },
  {
    id: 'sqlalchemy.engine.connect',
    family: 'py',
    method: 'connect',
    receiver: /engine/i,
    valueForm: true,
    callbackForm: false,
    context: 'safe',
    resourceIsContextManager: true,
    releases: [{ kind: 'method', method: 'close' }],
    noun: 'connection',
    releaseHint: 'conn.close()',
    releaseTemplate: '{var}.close()',
  },
  {
    id: 'sqlalchemy.engine.raw_connection',
    family: 'py',
    method: 'raw_connection',
    receiver: /engine/i,
    valueForm: true,
    callbackForm: false,
    context: 'none',
    releases: [{ kind: 'method', method: 'close' }],
    noun: 'connection',
    releaseHint: 'conn.close()',
    releaseTemplate: '{var}.close()',
  },
];

const BUILTIN_IDS = new Set(BUILTIN.map((api) => api.id));

/** Calls that cannot throw in practice; everything else may, which is what makes a path leak. */
const NON_THROWING: Record<LanguageFamily, RegExp> = {
  // Loggers, pure helpers, error constructors (`throw new Error(…)`: the throw is the cause, not the
  // constructor), Express's response methods (`res.status(500)` only records a number; `res.json()`,
  // `res.send()` write to the socket, whose errors arrive as events, and an error of `render` or
  // `sendFile` goes to the callback or `next`), registering a listener and scheduling a timer.
  js: /^(console\.\w+|Math\.\w+|Date\.now|Array\.isArray|Object\.(keys|values|entries|freeze|assign)|Number(\.isInteger|\.isFinite|\.isNaN)?|isNaN|String|Boolean|Symbol|\w*Error|(this\.)?(log|logger|debug|_log|_logger)\.\w+|debug|log|(res|response|reply)(\.(status|set|header|type|vary|append|location|setHeader|code)\(\))*\.(status|set|header|type|vary|append|location|setHeader|code|send|json|jsonp|sendStatus|end|redirect|render|sendFile)|ctx\.(set|throw)|[\w$.]*\.(on|once|off|addListener|prependListener|prependOnceListener|removeListener|removeAllListeners|setMaxListeners|addEventListener|removeEventListener|listenerCount|listeners|eventNames)|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate|process\.nextTick|queueMicrotask)$/,
  // Also psycopg2's `conn.cursor()` and `cur.close()` (client-side objects: no round trip to fail) and
  // exception constructors (`raise ValueError(…)`: the raise is the cause).
  py: /^(print|len|isinstance|issubclass|repr|str|bool|id|type|range|enumerate|zip|sorted|list|dict|tuple|set|(self\.)?(log|logger|logging|_log|_logger|LOG|LOGGER)\.\w+|logging\.(getLogger|\w+)|\w*(Error|Exception)|[\w.]*\.cursor|(cur|cursor|self\.cur|self\.cursor|c)\.close|time\.sleep|[\w.]*\.begin|traceback\.\w+)$/,
  go: GO.nonThrowing,
  java: JAVA.nonThrowing,
  cs: CSHARP.nonThrowing,
};

const ENDS_PROCESS: Record<LanguageFamily, RegExp> = {
  js: /^process\.(exit|abort|reallyExit)$/,
  py: /^(sys\.exit|os\._exit|os\.abort|exit|quit)$/,
  go: GO.endsProcess,
  java: JAVA.endsProcess,
  cs: CSHARP.endsProcess,
};

/** Method names that other objects have too: a quiet function of the same name does not vouch for them. */
const COMMON_METHOD = /^(query|execute|executemany|fetch\w*|connect|release|commit|rollback|close|end|send|write|read|get|post|put|patch|delete|run|call|apply|bind|then|catch|finally|emit|request|save|load|find\w*|create|update|insert|remove)$/;

/** Whether a callee written as `text` is one the catalogue takes not to throw (for lowering/quiet.ts). */
export function isNonThrowingText(family: LanguageFamily, text: string): boolean {
  return NON_THROWING[family].test(chainText(text));
}

/** A callee's text with whitespace gone and each call's arguments left out: `res.status( 500 ).send` → `res.status().send`. */
function chainText(text: string): string {
  // Most callees are plain (`client.query`): nothing to take out, and this runs for every call checked.
  if (!text.includes('(') && !/\s/.test(text)) return text;
  let out = text.replace(/\s+/g, '');
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(/\([^()]*\)/g, '()');
  }
  return out;
}

/**
 * Calls that store their argument somewhere that outlives the function. `callback` and
 * `push_async_callback`: contextlib's ExitStack runs what is registered when its `with` ends
 * (`stack.callback(pool.putconn, conn)`), so the stack owns the release from there.
 */
const STORES_ARGUMENT = /^(push|unshift|add|set|append|appendleft|insert|put|put_nowait|enqueue|resolve|emit|setdefault|callback|push_async_callback)$/;

function exactName(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function splitCall(call: string): { receiver?: RegExp; method: string } {
  const dot = call.lastIndexOf('.');
  if (dot < 0) return { method: call };
  const receiverText = call.slice(0, dot);
  const lastSegment = receiverText.slice(receiverText.lastIndexOf('.') + 1);
  return { receiver: lastSegment === '*' ? undefined : exactName(lastSegment), method: call.slice(dot + 1) };
}

function familyOfSetting(language: string | undefined): LanguageFamily[] {
  if (!language) return [...LANGUAGE_FAMILIES];
  if (isLanguageId(language)) return [familyOf(language)];
  if (/py/i.test(language)) return ['py'];
  if (/^(go|golang)$/i.test(language)) return ['go'];
  if (/^java$/i.test(language)) return ['java'];
  if (/^(cs|c#|csharp)$/i.test(language)) return ['cs'];
  return ['js'];
}

/** What a setting's acquire gives back with when it names no release, and how messages call it. */
const SETTING_DEFAULTS: Record<LanguageFamily, { release: string; noun: string; hint: string }> = {
  js: { release: 'release', noun: 'client', hint: 'client.release()' },
  py: { release: 'close', noun: 'connection', hint: 'conn.close()' },
  go: { release: 'Close', noun: 'connection', hint: 'conn.Close()' },
  java: { release: 'close', noun: 'connection', hint: 'conn.close()' },
  cs: { release: 'Dispose', noun: 'connection', hint: 'conn.Dispose()' },
};

function releaseFromSetting(release: string | undefined, family: LanguageFamily): ReleaseSpec {
  if (!release) return { kind: 'method', method: SETTING_DEFAULTS[family].release };
  const { receiver, method } = splitCall(release);
  if (!release.includes('.')) return { kind: 'method', method };
  return receiver ? { kind: 'call', method, receiver, argument: 0 } : { kind: 'call', method, argument: 0 };
}

export interface CatalogueOptions {
  acquire?: ExtraAcquire[];
  release?: ExtraRelease[];
}

/** The APIs in force for one language family. */
export class Catalogue {
  readonly acquires: AcquireApi[];
  /** Release calls that apply to every resource (settings and summaries). */
  readonly extraReleases: ReleaseSpec[];

  constructor(
    readonly family: LanguageFamily,
    options: CatalogueOptions = {},
    learned: { acquires?: AcquireApi[]; releases?: ReleaseSpec[] } = {},
  ) {
    this.acquires = BUILTIN.filter((api) => api.family === family);
    for (const extra of options.acquire ?? []) {
      if (!extra.call || !familyOfSetting(extra.language).includes(family)) continue;
      const { receiver, method } = splitCall(extra.call);
      const release = releaseFromSetting(extra.release, family);
      this.acquires.push({
        id: `setting:${extra.call}`,
        family,
        method,
        ...(receiver ? { receiver } : {}),
        valueForm: true,
        callbackForm: false,
        context: 'unsafe',
        releases: [release],
        noun: SETTING_DEFAULTS[family].noun,
        releaseHint: extra.release ?? SETTING_DEFAULTS[family].hint,
      });
    }
    this.acquires.push(...(learned.acquires ?? []).filter((api) => api.family === family));
    this.extraReleases = [];
    for (const extra of options.release ?? []) {
      if (!extra.call || !familyOfSetting(extra.language).includes(family)) continue;
      const { receiver, method } = splitCall(extra.call);
      if (extra.argument === undefined && !extra.call.includes('.')) this.extraReleases.push({ kind: 'method', method });
      else this.extraReleases.push({ kind: 'call', method, ...(receiver ? { receiver } : {}), argument: extra.argument ?? 0 });
    }
    this.extraReleases.push(...(learned.releases ?? []));
  }

  matchAcquire(callee: Callee, poolNames: ReadonlySet<string>): AcquireApi | undefined {
    // Go: a method of the workspace's own type that returns no driver value (apis/goTypes.ts).
    if (callee.receiverType !== undefined && poolNames.has(`${GO_OWN}${callee.receiverType}.${callee.name}`)) return undefined;
    // An instance of the workspace's own wrapper class: its method, not a driver's of the same name.
    const held = callee.receiver === callee.receiverName ? callee.receiverName : undefined;
    if (held !== undefined) {
      const wrapper = this.acquires.find(
        (api) =>
          api.onInstance &&
          api.method === callee.name &&
          (poolNames.has(`${INSTANCE}${held}=${api.className}`) || (api.module !== undefined && poolNames.has(`${INSTANCE}${held}=module:${api.module}`))),
      );
      if (wrapper) return wrapper;
    }
    for (const api of this.acquires) {
      if (api.onInstance) continue;
      if (api.method !== callee.name) continue;
      // Another database driver's pool (drivers.ts); settings and learned helpers stand.
      if (BUILTIN_IDS.has(api.id) && (isForeignReceiver(callee.receiver, poolNames) || poolNames.has(`${FOREIGN_API}${api.id}`))) continue;
      if (api.onlyWithMarker !== undefined && !poolNames.has(api.onlyWithMarker)) continue;
      if (api.instanceOnly && callee.receiver !== undefined && callee.receiver === callee.receiverName && /^[A-Z][a-z]/.test(callee.receiver)) continue;
      if (api.staticOf !== undefined && callee.receiver !== undefined && callee.receiver === callee.receiverName && /^[A-Z]/.test(callee.receiver) && callee.receiver !== api.staticOf) continue;
      if (!api.receiver) return api;
      if (callee.receiverName === undefined) continue;
      if (api.receiver.test(callee.receiverName) || poolNames.has(callee.receiverName)) return api;
    }
    return undefined;
  }

  /**
   * `x.connect(config, (err, client, done) => …)` on any receiver: a callback handed a client and a
   * release handle is node-postgres' signature (pg < 7's `pg.connect`, often reached under another
   * name: `req.db.connect(conString, …)`). Other drivers' connect callbacks take the error alone.
   */
  matchReleaseHandleCallback(call: CallOp, poolNames: ReadonlySet<string>): AcquireApi | undefined {
    if (this.family !== 'js' || call.callee.name !== 'connect' || (call.callback?.params.length ?? 0) < 3) return undefined;
    if (isForeignReceiver(call.callee.receiver, poolNames)) return undefined;
    return this.acquires.find((api) => api.id === 'pg.pool.connect');
  }

  /** The variable this call releases, if it is a release of a resource from `api` bound to one of `vars`. */
  releasedVariable(
    api: AcquireApi,
    callee: Callee,
    args: readonly (VarName | undefined)[],
    isBound: (v: VarName) => boolean,
    poolNames: ReadonlySet<string>,
  ): VarName | undefined {
    return this.releaseMatch(api, callee, args, isBound, poolNames)?.variable;
  }

  /** `releasedVariable`, with the spec that matched (a helper's says what else it does). */
  releaseMatch(
    api: AcquireApi,
    callee: Callee,
    args: readonly (VarName | undefined)[],
    isBound: (v: VarName) => boolean,
    poolNames: ReadonlySet<string>,
  ): ReleaseMatch | undefined {
    for (const spec of [...api.releases, ...this.extraReleases]) {
      if (spec.method !== callee.name) continue;
      if (spec.kind === 'method') {
        if (callee.receiverVar !== undefined && isBound(callee.receiverVar)) return { variable: callee.receiverVar, spec };
        continue;
      }
      const arg = args[spec.argument];
      if (arg === undefined || !isBound(arg)) continue;
      if (!spec.receiver) return { variable: arg, spec };
      const receiverName = callee.receiverName;
      if (receiverName !== undefined && (spec.receiver.test(receiverName) || poolNames.has(receiverName))) return { variable: arg, spec };
    }
    return undefined;
  }

  /**
   * Whether a call may throw where it is made. Not one that cannot throw (isNonThrowing), nor a
   * JavaScript driver query neither awaited nor given a callback: node-postgres reports its error
   * later (a rejected promise; an 'error' event before pg 7, whose `client.query(text)` only queues
   * the statement). Awaited, it throws at the `await`.
   */
  throwsWhereCalled(op: CallOp, poolNames: ReadonlySet<string>): boolean {
    if (this.isNonThrowing(op.callee, poolNames)) return false;
    return !(this.family === 'js' && op.callee.name === 'query' && op.callee.receiver !== undefined && !op.awaited);
  }

  /** Whether a call ends the process (`process.exit`, `sys.exit`): nothing stays checked out after it. */
  endsProcess(callee: Callee): boolean {
    return ENDS_PROCESS[this.family].test(callee.text);
  }

  /**
   * Whether a call cannot throw: the catalogue's list, or a function of the same file that cannot
   * (lowering/quiet.ts; its name is in poolNames behind QUIET). A function is matched by a plain call,
   * or a call on another object (a module's functions gathered in one) when its name is not one a
   * driver or a client object also has (`query`, `execute`, `send` …); a method only on `this`/`self`.
   */
  isNonThrowing(callee: Callee, poolNames?: ReadonlySet<string>): boolean {
    if (NON_THROWING[this.family].test(chainText(callee.text))) return true;
    if (!poolNames) return false;
    if (callee.receiver === undefined) return poolNames.has(`${QUIET}${callee.name}`);
    if (/^(this|self)$/.test(callee.receiver)) return poolNames.has(`${QUIET}.${callee.name}`);
    return poolNames.has(`${QUIET}${callee.name}`) && !COMMON_METHOD.test(callee.name);
  }

  storesArgument(callee: Callee): boolean {
    return callee.receiver !== undefined ? STORES_ARGUMENT.test(callee.name) : callee.name === 'resolve';
  }
}
