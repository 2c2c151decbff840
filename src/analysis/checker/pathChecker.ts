// Follows one acquired resource through every path of a function model. Structured abstract
// interpretation: each op maps a set of path states to a set of path states; abrupt paths (throw,
// return, break, continue) travel as states with `pending` set until a try, loop or the function's
// end takes them. Every call may throw, so every call between an acquire and its release forks a path.
import type { AcquireApi, Catalogue, HelperRelease } from '../catalogue';
import type { SourceRange } from '../findings';
import type { Block, CallOp, Condition, EscapeHow, FunctionModel, Op, VarName } from '../model';
import { FunctionContext, visitCalls } from './functionContext';
import {
  dedupe,
  endOf,
  initialWorld,
  isInert,
  loopKey,
  paramWorld,
  recovered,
  sameRange,
  throwing,
  withoutVar,
  withVar,
  worldKey,
  type Cause,
  type Outcome,
  type World,
} from './world';

export type Site =
  | { kind: 'acquire'; op: CallOp; api: AcquireApi }
  /** For summaries: does the function release its parameter `name`? */
  | { kind: 'param'; name: VarName; api: AcquireApi };

export interface Leak {
  /** `exit`: a path leaves the function holding it; `reacquire` / `overwrite`: its last reference is replaced. */
  kind: 'exit' | 'reacquire' | 'overwrite';
  cause?: Cause;
  via?: Cause;
  /** For a fall-through: the callback outcome the path took last (`if (err)` of `client.query`'s callback). */
  outcome?: Outcome;
  range: SourceRange;
}

export interface SiteEvents {
  releases: SourceRange[];
  /** The releases among `releases` made through a workspace helper (`commit(client)`), and whether releasing is all it does. */
  helperReleases: { range: SourceRange; onlyReleases: boolean }[];
  escapes: { how: EscapeHow | 'callback' | 'yield'; range: SourceRange; index?: number; field?: string }[];
  withUses: { range: SourceRange; text: string }[];
  leaks: Leak[];
  doubleReleases: { range: SourceRange; first: SourceRange }[];
  usesAfterRelease: { range: SourceRange; text: string; releasedAt: SourceRange }[];
  /** Worlds at the function's exits (for summaries). */
  exits: World[];
  /** The budget ran out: report nothing rather than something half-computed. */
  aborted: boolean;
}

const MAX_LOOP_ITERATIONS = 8;
/** Calls that read rows through a connection they are given and return the data (pandas). */
const DATA_READER = /^read_sql(_query|_table)?$/;
/** The names node-style callbacks give their error parameter. */
const ERROR_PARAM = /^(err|error|e|er|ex|exc|\w*Err(or)?)$/;
const MAX_STEPS = 200_000;

class BudgetExceeded extends Error {}

export class PathChecker {
  private steps = 0;
  /** Set while checking an acquire: paths past it that can no longer matter are dropped. */
  private sitePosition: number | undefined;
  private readonly conditionVars: ReadonlySet<string>;
  private readonly flagVars: ReadonlySet<string>;
  private readonly closureReleaseCache = new Map<object, Map<string, boolean>>();
  /** Error parameters of node-style callbacks (`err` of `client.query(sql, (err, res) => …)`) and their call. */
  private readonly errorParams = new Map<VarName, { text: string; range: SourceRange }>();
  readonly events: SiteEvents = {
    releases: [],
    helperReleases: [],
    escapes: [],
    withUses: [],
    leaks: [],
    doubleReleases: [],
    usesAfterRelease: [],
    exits: [],
    aborted: false,
  };

  constructor(
    private readonly fn: FunctionModel,
    private readonly site: Site,
    private readonly catalogue: Catalogue,
    private readonly poolNames: ReadonlySet<string>,
    private readonly context: FunctionContext = new FunctionContext(fn.body),
  ) {
    this.conditionVars = context.conditionVars;
    this.flagVars = context.flagVars;
  }

  run(): SiteEvents {
    try {
      const final = this.site.kind === 'param' ? this.exec(this.fn.body, [paramWorld(this.site.name)]) : this.runFromSite(this.site.op);
      this.events.exits = final;
      for (const w of final) {
        if (w.status !== 'held') continue;
        if (w.pending?.kind === 'break' || w.pending?.kind === 'continue') continue;
        this.events.leaks.push({
          kind: 'exit',
          ...(w.pending ? { cause: w.pending.cause } : {}),
          ...(w.via ? { via: w.via } : {}),
          ...(!w.pending && w.outcome ? { outcome: w.outcome } : {}),
          range: w.pending ? w.pending.cause.range : endOf(this.fn.range),
        });
      }
      if (final.some((w) => w.yielded) && this.events.releases.length === 0) {
        // Yielded and never released here: the generator's consumer owns it now.
        this.events.leaks = [];
      }
    } catch (error) {
      if (!(error instanceof BudgetExceeded)) throw error;
      this.events.aborted = true;
    }
    return this.events;
  }

  /**
   * Paths are followed from the function's start, but the part before the acquire is shared between
   * sites (see `exec`), and a path is dropped once it no longer holds the client and nothing it can
   * still reach mentions a variable bound to it: such a path cannot produce a finding any more.
   */
  private runFromSite(siteOp: CallOp): World[] {
    this.sitePosition = this.context.positionOf(siteOp);
    return this.exec(this.fn.body, [initialWorld()]);
  }

  private exec(block: Block, input: World[]): World[] {
    let worlds = input;
    let start = 0;
    if (this.sitePosition !== undefined && worlds.every(isInert)) {
      // Before the acquire, every site sees the same paths: reuse what an earlier check computed.
      const sitePosition = this.sitePosition;
      const states = this.context.prefixStates(block, worlds.map(worldKey).join(';'), worlds);
      // Only ops wholly before the acquire: their paths cannot depend on which site is checked.
      const before = (op: Op): boolean => this.context.positionOf(op) < sitePosition && !this.context.contains(op, sitePosition);
      while (start < block.length && before(block[start] as Op)) {
        const current = states[start] as World[];
        if (current.every((w) => w.pending)) break;
        if (states.length <= start + 1) states.push(this.step(block[start] as Op, current, false));
        start++;
      }
      worlds = states[start] as World[];
    }
    for (let i = start; i < block.length; i++) {
      // Abrupt paths skip the rest of the block unchanged.
      if (worlds.every((w) => w.pending)) break;
      worlds = this.step(block[i] as Op, worlds);
    }
    return worlds;
  }

  /** Runs one op; `prune` drops paths that can no longer matter for this site (never for shared states). */
  private step(op: Op, input: World[], prune = true): World[] {
    if (++this.steps > MAX_STEPS) throw new BudgetExceeded();
    let worlds = input;
    const horizon = this.context.horizon(op);
    if (prune && this.sitePosition !== undefined && horizon > this.sitePosition) {
      worlds = worlds.filter((w) => w.status === 'held' || !this.context.unmentionedFrom([...w.vars, ...w.handles], horizon));
    }
    const active: World[] = [];
    const passive: World[] = [];
    for (const w of worlds) (w.pending ? passive : active).push(w);
    if (active.length === 0) return worlds;
    return dedupe([...passive, ...this.op(op, active)]);
  }

  private op(op: Op, worlds: World[]): World[] {
    switch (op.kind) {
      case 'call':
        return worlds.flatMap((w) => this.call(op, w));
      case 'assign': {
        // `conn, cur = get_conn()`: only the element the acquire API names is the resource.
        const element = op.index === undefined || (this.site.kind === 'acquire' && this.site.api.resultIndex === op.index);
        // A local struct that now holds the resource: dropping it drops the resource, returning it hands it over.
        if (op.holds) return worlds.map((w) => (op.from !== undefined && w.vars.includes(op.from) ? { ...w, vars: withVar(w.vars, op.target) } : w));
        return worlds.map((w) => this.assign(w, op.target, element ? op.from : undefined, op.fact, op.range));
      }
      case 'escape':
        return worlds.map((w) => {
          if (!w.vars.includes(op.variable) || w.status !== 'held') return w;
          this.events.escapes.push({ how: op.how, range: op.range, ...(op.index !== undefined ? { index: op.index } : {}), ...(op.field !== undefined ? { field: op.field } : {}) });
          return { ...w, status: 'escaped' };
        });
      case 'await':
        return worlds.flatMap((w) => [throwing(w, { kind: 'await', range: op.range }), w]);
      case 'if': {
        const thenIn: World[] = [];
        const elseIn: World[] = [];
        const call = op.condition.kind === 'truthy' ? this.errorParams.get(op.condition.variable) : undefined;
        const negated = op.condition.kind === 'truthy' && op.condition.negated;
        const taking = (w: World, failed: boolean): World => (call ? { ...w, outcome: { ...call, failed } } : w);
        // A flag tested again later (flagVars) keeps the way this path went.
        const flag = op.condition.kind === 'truthy' && this.flagVars.has(op.condition.variable) ? op.condition.variable : undefined;
        const knowing = (w: World, value: boolean): World =>
          flag === undefined || w.vars.includes(flag) || w.handles.includes(flag) ? w : { ...w, facts: { ...w.facts, [flag]: negated ? !value : value } };
        for (const w of worlds) {
          const value = this.evaluate(op.condition, w);
          if (value !== false) thenIn.push(knowing(taking(w, !negated), true));
          if (value !== true) elseIn.push(knowing(taking(w, negated), false));
        }
        return [...(thenIn.length ? this.exec(op.then, thenIn) : []), ...(elseIn.length ? this.exec(op.else, elseIn) : [])];
      }
      case 'loop':
        return this.loop(op, worlds);
      case 'switch':
        return this.switchOp(op, worlds);
      case 'try':
        return this.tryOp(op, worlds);
      case 'return':
        return worlds.map((w) => ({ ...w, pending: { kind: 'return', cause: { kind: 'return', range: op.range } } }));
      case 'throw':
        return worlds.map((w) => ({ ...w, pending: { kind: 'throw', cause: { kind: 'throw', range: op.range } } }));
      case 'jump':
        return worlds.map((w) => ({
          ...w,
          pending: { kind: op.jump, ...(op.label ? { label: op.label } : {}), cause: { kind: op.jump, range: op.range } },
        }));
      case 'labeled':
        return this.exec(op.body, worlds).map((w) =>
          w.pending?.kind === 'break' && w.pending.label === op.label ? recovered(w) : w,
        );
      case 'inline':
        return this.exec(op.body, worlds).map((w) => (w.pending?.kind === 'return' ? recovered(w) : w));
      case 'yield':
        return worlds.flatMap((w) => {
          // A plain generator hands what it yields to its consumer; a @contextmanager lends it to a
          // `with` block that gives nothing back.
          const yieldsIt = !this.fn.contextManager && op.variable !== undefined && w.vars.includes(op.variable) && w.status === 'held';
          if (yieldsIt) this.events.escapes.push({ how: 'yield', range: op.range });
          const after = yieldsIt ? { ...w, yielded: true } : w;
          // The consumer may throw into the generator here (a @contextmanager's `with` body raising).
          return [throwing(after, { kind: 'yield', range: op.range }), after];
        });
      case 'with':
        if (worlds.some((w) => w.vars.includes(op.variable))) this.events.withUses.push({ range: op.range, text: `with ${op.variable}:` });
        return worlds;
      case 'closure':
        return worlds.map((w) => {
          if (w.status !== 'held' || !this.closureReleases(op.fn, w)) return w;
          this.events.escapes.push({ how: 'callback', range: op.range });
          return { ...w, status: 'escaped' };
        });
    }
  }

  private releasesMemo: boolean | undefined;

  /** Whether this function (its callbacks too) releases a resource of the site's API anywhere. */
  private releasesItself(): boolean {
    if (this.releasesMemo === undefined) {
      let found = false;
      visitCalls(this.fn.body, (call) => {
        if (!found && this.catalogue.releaseMatch(this.site.api, call.callee, call.args, () => true, this.poolNames)) found = true;
      });
      this.releasesMemo = found;
    }
    return this.releasesMemo;
  }

  private call(op: CallOp, w: World): World[] {
    const callee = op.callee;
    // `process.exit(1)`, `sys.exit(1)`: the process ends, and every connection with it.
    if (this.catalogue.endsProcess(callee)) return [];
    const isBound = (v: VarName): boolean => w.vars.includes(v);
    const match = this.catalogue.releaseMatch(this.site.api, callee, op.args, isBound, this.poolNames);
    const releasedVar = match?.variable ?? (callee.receiver === undefined && w.handles.includes(callee.name) ? callee.name : undefined);
    if (releasedVar !== undefined) return [this.release(w, op, match?.spec.kind === 'call' ? match.spec.helper : undefined)];

    if (callee.receiverVar !== undefined && isBound(callee.receiverVar) && w.status === 'released' && w.releasedAt && !this.site.api.usableAfterRelease?.test(callee.name)) {
      this.events.usesAfterRelease.push({ range: op.range, text: callee.text, releasedAt: w.releasedAt });
    }
    const out: World[] = [];
    // A function the caller passed in (`fn(client)`) takes the client over, unless this function
    // gives it back itself afterwards: then it only lends it (`withClient(fn)`), and fn can fail.
    const storesIt =
      op.isNew || this.catalogue.storesArgument(callee) || (callee.receiver === undefined && this.fn.params.includes(callee.name) && !this.releasesItself());
    // The resource passed straight from the acquire (never named) into a call whose value is used:
    // `return wrap(await pool.connect())`. Such a call is a wrapper (instrumenting, attaching error
    // handlers) whose result is the resource; a named client passed to a helper is not (its result
    // is the helper's: rows, a count).
    // Not pandas' readers: `pd.read_sql(query, engine.connect())` gives a DataFrame, not the connection.
    const wrappedArg = op.target?.startsWith('$') && !DATA_READER.test(callee.name) ? op.args.find((a) => a !== undefined && a.startsWith('$') && isBound(a)) : undefined;
    const handsOver = (storesIt && op.args.some((a) => a !== undefined && isBound(a))) || op.args.some((a) => a !== undefined && w.handles.includes(a)) || wrappedArg !== undefined;
    // Node-style callbacks report errors through the callback, not by throwing; storing a value in a
    // container or handing it to a callback is treated as not throwing (the hand-over happens).
    if (!op.callback && !handsOver && this.catalogue.throwsWhereCalled(op, this.poolNames)) out.push(throwing(w, { kind: 'call', text: callee.text, range: op.range }));

    let after = w;
    for (const arg of op.args) {
      if (arg !== undefined && after.status === 'held' && after.handles.includes(arg)) {
        // The release handle (`done`) handed to another function, which calls it now
        // (`process.nextTick(done)`) or when it is finished (`run(client, done)`): the release goes with it.
        this.events.escapes.push({ how: 'argument', range: op.range });
        after = { ...after, status: 'escaped' };
        continue;
      }
      if (arg === undefined || !after.vars.includes(arg)) continue;
      if (storesIt && after.status === 'held') {
        this.events.escapes.push({ how: 'argument', range: op.range });
        after = { ...after, status: 'escaped' };
      } else if (after.status === 'released' && after.releasedAt && !this.catalogue.isNonThrowing(callee, this.poolNames)) {
        // Passed to a logger or a pure builtin (`id(conn)`, `print(conn)`) after the release: no use of the connection.
        this.events.usesAfterRelease.push({ range: op.range, text: callee.text, releasedAt: after.releasedAt });
      }
    }

    // Go: `x, err := call()` — `if err != nil` after it is this call's failure or success.
    const error = op.errorTarget !== undefined && op.errorTarget !== '_' ? op.errorTarget : undefined;
    if (error !== undefined) this.errorParams.set(error, { text: callee.text, range: op.range });
    const tracked = this.site.kind === 'acquire' && this.site.op.id === op.id;
    if (tracked) {
      if (after.status === 'held') this.events.leaks.push({ kind: 'reacquire', range: op.range, ...(after.via ? { via: after.via } : {}) });
      if (op.context) this.events.withUses.push({ range: op.range, text: `with ${op.callee.text}()` });
      const fresh: World = { ...after, status: 'held', vars: [], handles: [], releasedAt: undefined, yielded: false };
      if (op.callback && this.site.kind === 'acquire' && this.site.api.callbackForm) return [...out, ...this.acquireCallback(op, after, fresh)];
      const holder = this.site.api.onInstance ? op.callee.receiverVar : op.target;
      const bound = holder !== undefined ? this.rebind(fresh, holder, op.range, true) : fresh;
      if (error === undefined) return [...out, bound];
      // Go: on failure the error is set and nothing is held; on success the error is nil.
      let failed = op.target !== undefined ? this.assign(after, op.target, undefined, false, op.range) : after;
      failed = { ...failed, facts: { ...failed.facts, [error]: true } };
      return [...out, failed, { ...bound, facts: { ...bound.facts, [error]: false } }];
    }
    if (op.target !== undefined) after = this.assign(after, op.target, wrappedArg, undefined, op.range);
    if (error !== undefined) after = this.assign(after, error, undefined, undefined, op.range);
    if (op.callback) {
      let inCallback = after;
      for (const p of op.callback.params) if (p) inCallback = this.assign(inCallback, p, undefined, undefined, op.callback.range);
      // While its body runs, `if (err)` on the first parameter is this call's failure or success.
      const first = op.callback.params[0];
      if (first === undefined || !ERROR_PARAM.test(first)) return [...out, ...this.inline(op.callback.body, [inCallback])];
      const outer = this.errorParams.get(first);
      this.errorParams.set(first, { text: callee.text, range: op.range });
      const inner = this.inline(op.callback.body, [inCallback]);
      if (outer) this.errorParams.set(first, outer);
      else this.errorParams.delete(first);
      return [...out, ...inner];
    }
    return [...out, after];
  }

  /** `pool.connect((err, client, done) => …)`: on the error path nothing is held. */
  private acquireCallback(op: CallOp, before: World, fresh: World): World[] {
    const [errName, clientName, doneName] = op.callback?.params ?? [];
    const setFact = (world: World, value: boolean): World =>
      errName ? { ...world, facts: { ...world.facts, [errName]: value } } : world;
    let failed = setFact(before, true);
    if (clientName) failed = this.assign(failed, clientName, undefined, false, op.range);
    let ok = setFact(fresh, false);
    if (clientName) ok = this.rebind(ok, clientName, op.range, true);
    if (doneName) ok = { ...ok, handles: withVar(ok.handles, doneName) };
    return this.inline(op.callback?.body ?? [], [failed, ok]);
  }

  private inline(body: Block, worlds: World[]): World[] {
    return this.exec(body, worlds).map((w) => (w.pending?.kind === 'return' ? recovered(w) : w));
  }

  private release(w: World, op: CallOp, helper: HelperRelease | undefined): World {
    if (!this.events.releases.some((r) => sameRange(r, op.range))) {
      this.events.releases.push(op.range);
      if (helper) this.events.helperReleases.push({ range: op.range, onlyReleases: helper.onlyReleases });
    }
    if (w.status === 'released') {
      if (w.releasedAt && !this.site.api.releaseIdempotent && !op.implicit) this.events.doubleReleases.push({ range: op.range, first: w.releasedAt });
      return w;
    }
    if (w.status === 'none') return w;
    return { ...w, status: 'released', releasedAt: op.range };
  }

  /** Binds `target` to the resource (acquire) after dropping whatever it held. */
  private rebind(w: World, target: VarName, range: SourceRange, toResource: boolean): World {
    const cleared = this.assign(w, target, undefined, undefined, range);
    if (!toResource) return cleared;
    const facts = { ...cleared.facts };
    delete facts[target];
    return { ...cleared, vars: withVar(cleared.vars, target), facts };
  }

  private assign(w: World, target: VarName, from: VarName | undefined, fact: boolean | undefined, range: SourceRange): World {
    const aliases = from !== undefined && w.vars.includes(from);
    let vars = withoutVar(w.vars, target);
    if (aliases) vars = withVar(vars, target);
    if (w.status === 'held' && w.vars.length > 0 && vars.length === 0) this.events.leaks.push({ kind: 'overwrite', range });
    const facts = { ...w.facts };
    // `a = b` takes b's known truthiness (Go: `return err` sets the named result a deferred function tests).
    const known = fact ?? (from !== undefined && !aliases ? w.facts[from] : undefined);
    if (known !== undefined && this.conditionVars.has(target)) facts[target] = known;
    else delete facts[target];
    const handles = withoutVar(w.handles, target);
    if (aliases && w.handles.includes(from)) return { ...w, vars, handles: withVar(handles, target), facts };
    return { ...w, vars, handles, facts };
  }

  private evaluate(condition: Condition, w: World): boolean | undefined {
    if (condition.kind === 'constant') return condition.value;
    if (condition.kind === 'unknown') return undefined;
    if (condition.kind === 'and' || condition.kind === 'or') {
      const left = this.evaluate(condition.left, w);
      const right = this.evaluate(condition.right, w);
      const decisive = condition.kind === 'or';
      let value: boolean | undefined;
      if (left === decisive || right === decisive) value = decisive;
      else if (left === !decisive && right === !decisive) value = !decisive;
      if (value === undefined) return undefined;
      return condition.negated ? !value : value;
    }
    if (condition.kind !== 'truthy') return undefined;
    let value: boolean | undefined;
    if (w.vars.includes(condition.variable) || w.handles.includes(condition.variable)) value = true;
    else value = w.facts[condition.variable];
    if (value === undefined) return undefined;
    return condition.negated ? !value : value;
  }

  private loop(op: Extract<Op, { kind: 'loop' }>, input: World[]): World[] {
    const result: World[] = [];
    const conditionExits: World[] = [];
    const breakExits: World[] = [];
    const seen = new Set<string>();
    let frontier = input;
    for (let iteration = 0; iteration < MAX_LOOP_ITERATIONS && frontier.length; iteration++) {
      let bodyIn: World[] = frontier;
      if (!(op.bodyFirst && iteration === 0)) {
        bodyIn = [];
        for (const w of this.exec(op.head, frontier)) {
          if (w.pending) {
            result.push(w);
            continue;
          }
          const value = this.evaluate(op.condition, w);
          if (value !== false) bodyIn.push(w);
          if (value !== true) conditionExits.push(w);
        }
      }
      const next: World[] = [];
      for (const w of this.exec(op.body, bodyIn)) {
        const ours = w.pending && (w.pending.label === undefined || w.pending.label === op.label);
        if (!w.pending) next.push(w);
        else if (ours && w.pending.kind === 'continue') next.push(recovered(w));
        else if (ours && w.pending.kind === 'break') breakExits.push(recovered(w));
        else result.push(w);
      }
      frontier = dedupe(next).filter((w) => {
        const key = loopKey(w);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    const afterCondition = op.orelse ? this.exec(op.orelse, dedupe(conditionExits)) : conditionExits;
    return dedupe([...result, ...afterCondition, ...breakExits]);
  }

  private switchOp(op: Extract<Op, { kind: 'switch' }>, input: World[]): World[] {
    const exits: World[] = [];
    let fallthrough: World[] = [];
    for (const clause of op.cases) {
      fallthrough = [];
      for (const w of this.exec(clause, dedupe([...input, ...fallthrough]))) {
        if (!w.pending) fallthrough.push(w);
        else if (w.pending.kind === 'break' && (w.pending.label === undefined || w.pending.label === op.label)) exits.push(recovered(w));
        else exits.push(w);
      }
    }
    exits.push(...fallthrough);
    if (!op.hasDefault) exits.push(...input);
    return dedupe(exits);
  }

  private tryOp(op: Extract<Op, { kind: 'try' }>, input: World[]): World[] {
    const afterBody = this.exec(op.body, input);
    let settled: World[] = [];
    const caught: World[] = [];
    for (const w of afterBody) {
      if (w.pending?.kind === 'throw' && op.handlers.length > 0) {
        caught.push(recovered(w));
        if (!op.catchesAll) settled.push(w);
      } else settled.push(w);
    }
    if (op.orelse) {
      const normal = settled.filter((w) => !w.pending);
      settled = [...settled.filter((w) => w.pending), ...this.exec(op.orelse, normal)];
    }
    const handled = caught.length ? op.handlers.flatMap((h) => this.exec(h, dedupe(caught))).map(rethrown) : [];
    const all = dedupe([...settled, ...handled]);
    if (!op.finalizer) return all;
    const entering = all.map((w): World => {
      const { pending, ...rest } = w;
      return { ...rest, resume: [...w.resume, pending ?? 'normal'] };
    });
    return dedupe(
      this.exec(op.finalizer, dedupe(entering)).map((w): World => {
        const resume = w.resume.slice(0, -1);
        const top = w.resume[w.resume.length - 1];
        if (w.pending || top === undefined || top === 'normal') return { ...w, resume };
        return { ...w, resume, pending: top };
      }),
    );
  }

  /** Does this nested function release a resource it captures (so the obligation goes with it)? */
  private closureReleases(fn: FunctionModel, w: World): boolean {
    const key = `${w.vars.join(',')}|${w.handles.join(',')}`;
    let perFn = this.closureReleaseCache.get(fn);
    if (!perFn) {
      perFn = new Map();
      this.closureReleaseCache.set(fn, perFn);
    }
    const cached = perFn.get(key);
    if (cached !== undefined) return cached;
    const shadowed = new Set(fn.params.filter((p): p is string => p !== undefined));
    const isCaptured = (v: VarName): boolean => w.vars.includes(v) && !shadowed.has(v);
    let found = false;
    visitCalls(fn.body, (call) => {
      if (found) return;
      if (this.catalogue.releasedVariable(this.site.api, call.callee, call.args, isCaptured, this.poolNames) !== undefined) found = true;
      else if (call.callee.receiver === undefined && w.handles.includes(call.callee.name) && !shadowed.has(call.callee.name)) found = true;
    });
    perFn.set(key, found);
    return found;
  }
}

/**
 * A throw that leaves a handler is caused by what the handler caught (`catch (e) { …; throw e; }`):
 * the cause keeps it, so the message names the failing query rather than the `throw`.
 */
function rethrown(w: World): World {
  const pending = w.pending;
  if (pending?.kind !== 'throw' || pending.cause.kind !== 'throw' || pending.cause.rethrowOf || !w.via) return w;
  const origin = w.via.kind === 'throw' ? (w.via.rethrowOf ?? w.via) : w.via;
  return { ...w, pending: { ...pending, cause: { ...pending.cause, rethrowOf: origin } } };
}
