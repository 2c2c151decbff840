// One open document's analysis kept between edits, so that an edit costs about what it changed:
// - the syntax tree, which tree-sitter reparses incrementally after `edit()`;
// - the model of every function, keyed by its node type, name and the full text of its lines: a
//   function whose lines did not change is not lowered again (moved up or down, its model is copied
//   with shifted rows);
// - each function model's result per catalogue (summaries learned in the file) and pool names: a kept
//   model is not checked again. Results hold line numbers in their messages, so a moved function with
//   findings is checked again; one without findings keeps its result;
// - whether each finding has a fix, computed once per finding from the kept tree.
// Top-level code is lowered and checked on every update (it is the whole file); everything file-wide
// (pool names, learned summaries) is part of the result cache's key, so it invalidates what it must.
// The findings are those `analyzeText` gives for the same text, in the same order
// (test/unit/analysis/incremental.test.ts checks that after thousands of random edits).
import { Catalogue } from './catalogue';
import type { Finding, SourceRange } from './findings';
import { fixesForTree } from './fixes/fixes';
import { acquireSites, analyzeFunction, exitMethodOf, type FunctionResult } from './functionAnalysis';
import { familyOf, type LanguageFamily, type LanguageId } from './languages';
import { LoweringContext, MAX_NESTING, NestingTooDeep } from './lowering/builder';
import { LOWERINGS } from './lowering/lowerings';
import type { FileModel, FunctionModel } from './model';
import { parseText, type SyntaxNode, type SyntaxTree } from './treeSitter';
import { callsAny, visitClosures } from './checker/functionContext';
import { fileFacts, foreignPoolNames, workspaceMarkers } from './drivers';
import { GoTypes, ownTypeMarkers } from './apis/goTypes';
import { quietFunctionNames, type QuietMemo } from './lowering/quiet';
import { runOnceFunctionNames } from './lowering/runOnce';
import { markSuppressed, suppressionsIn } from './suppressions';
import { givenSummaries, apiNamesOf, learnFrom, MAX_SUMMARY_ROUNDS, mayAcquire, quickSkip, uniqueSorted, type AnalyzerOptions } from './workspace';

interface Point {
  row: number;
  column: number;
}

/** A tree-sitter edit: what changed between the previous text and the new one. */
export interface TreeEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Point;
  oldEndPosition: Point;
  newEndPosition: Point;
}

/** A function's model kept from an earlier lowering, with what lowering it added to the file. */
interface Kept {
  /** What the model takes from outside the text of its lines (see headOf). */
  head: string;
  startRow: number;
  /** Rows spanned after the first. */
  rows: number;
  model: FunctionModel;
  /** The functions its lowering registered, nested ones first, in order (itself last unless it has errors). */
  functions: FunctionModel[];
  /** Names its lowering bound to a pool constructor. */
  poolNames: string[];
  /** The deepest nesting reached below its node. */
  depth: number;
  /** Kept entries of the functions nested in it. */
  children: Kept[];
}

type Phase = 'parse' | 'lower' | 'check' | 'fixes';

export interface UpdateStats {
  /** Functions lowered again, functions whose kept model was used, functions checked again. */
  lowered: number;
  /** Whether the whole file was not walked: only the edited top-level function (or nothing) was lowered. */
  onlyEditedFunction: boolean;
  kept: number;
  checked: number;
  /** Milliseconds per phase. */
  ms: Record<Phase, number>;
}

function newStats(): UpdateStats {
  return { lowered: 0, onlyEditedFunction: false, kept: 0, checked: 0, ms: { parse: 0, lower: 0, check: 0, fixes: 0 } };
}

/** A function outside any other: its node's type and extent in the text it was lowered from. */
interface TopLevel {
  type: string;
  start: number;
  end: number;
  kept: Kept;
}

interface LastLowering {
  model: FileModel;
  program: FunctionModel;
  topLevel: TopLevel[];
}

/** A catalogue's worth of results is kept per function model; more variants than this are not worth keeping. */
const MAX_RESULTS_PER_MODEL = 8;

export class IncrementalAnalysis {
  private tree: SyntaxTree | undefined;
  private text = '';
  private lines: number[] = [0];
  private kept = new Map<string, Kept[]>();
  private readonly results = new WeakMap<FunctionModel, Map<string, FunctionResult>>();
  /** A number per function model, for cache keys that depend on another model (a class's `__exit__`). */
  private readonly identities = new WeakMap<FunctionModel, number>();
  private readonly quietMemo: QuietMemo = { known: new Map() };
  private nextIdentity = 0;
  /** Shifted copies from the last lowering -> the model each copies (its results without findings still hold). */
  private copiedFrom = new Map<FunctionModel, FunctionModel>();
  private readonly fixable = new WeakMap<Finding, boolean>();
  private readonly hasAcquire = new WeakMap<FunctionModel, { poolKey: string; acquires: boolean }>();
  /** Call ids and temporaries stay unique across the kept models of every version. */
  private readonly counters = { id: 0, temp: 0 };
  private readonly family: LanguageFamily;
  private readonly base: Catalogue;
  private readonly mayAcquire: (text: string) => boolean;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last lowering, when it was of the text just before this update (what the fast path starts from). */
  private last: LastLowering | undefined;
  /** The one edit from the previous text, when the tree was reparsed incrementally with it (not afresh). */
  private edit: TreeEdit | undefined;
  /** The ranges (new text's offsets) whose syntax the reparse changed. */
  private changed: (readonly [number, number])[] = [];
  private statementBefore: { type: string; start: number } | undefined;
  /** The text is the previous one. */
  private unchanged = false;
  /** What the last update did and what it cost. */
  lastUpdate = newStats();
  private disposed = false;

  constructor(
    readonly language: LanguageId,
    private readonly options: AnalyzerOptions = {},
  ) {
    this.family = familyOf(language);
    // Summaries given from other files (options.summaries) count as APIs of the settings.
    this.base = new Catalogue(this.family, options, givenSummaries(this.family, options).learned);
    this.mayAcquire = mayAcquire(this.base);
  }

  /**
   * The findings for `text`, the document's new content. `edits` are the changes from the text of the
   * previous call, in order; without them the changed span is found by comparing the two texts. Never
   * throws: like analyzeText, a failure yields no findings (and the next update starts afresh).
   */
  update(text: string, edits?: readonly TreeEdit[]): Promise<Finding[]> {
    const run = this.queue.then(async () => {
      if (this.disposed) return [];
      try {
        return await this.analyze(text, edits);
      } catch {
        this.reset();
        return [];
      }
    });
    this.queue = run;
    return run;
  }

  /** Frees the syntax tree (WebAssembly memory) and everything kept. */
  dispose(): void {
    this.disposed = true;
    this.reset();
  }

  private reset(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.text = '';
    this.lines = [0];
    this.kept = new Map();
    this.copiedFrom = new Map();
    this.last = undefined;
    this.edit = undefined;
  }

  private async analyze(text: string, edits: readonly TreeEdit[] | undefined): Promise<Finding[]> {
    const stats = (this.lastUpdate = newStats());
    let started = performance.now();
    const lap = (phase: Phase): void => {
      const now = performance.now();
      stats.ms[phase] = now - started;
      started = now;
    };
    if (quickSkip({ path: '', text, language: this.language })) {
      this.reset();
      return [];
    }
    const lines = lineStarts(text);
    const last = this.last;
    // Only a lowering of the text just before this one can be patched.
    this.last = undefined;
    const tree = await this.parse(text, lines, edits);
    lap('parse');
    if (!tree || !this.mayAcquire(text)) return [];
    let model: FileModel | undefined;
    if (last && this.unchanged) {
      model = last.model;
      this.last = last;
    }
    if (!model && last && this.edit) model = this.lowerOne(last, this.edit, tree.rootNode, text, lines) ?? this.lowerNothing(last, this.edit, tree.rootNode, text, lines);
    model ??= this.lower(tree.rootNode, text, lines);
    lap('lower');
    if (!model) return [];
    // Another driver's pools come from the imports, which the short paths above do not lower again;
    // the lowered model's own pool names never hold them.
    // So do the functions that cannot throw (lowering/quiet.ts), read off the whole tree.
    // And a script's functions that run once per process (lowering/runOnce.ts).
    const extra = [
      ...foreignPoolNames(text, this.family),
      ...quietFunctionNames(tree.rootNode, this.family, this.quietMemo),
      ...(this.family === 'py' ? runOnceFunctionNames(tree.rootNode, text) : []),
      // What the workspace's pools are, from the other files' facts and this one's (drivers.ts).
      ...workspaceMarkers(new Set([...(this.options.summaries?.[this.family]?.facts ?? []), ...fileFacts(text, this.family)])),
      // Go: the calls on the workspace's own types that are not acquires (apis/goTypes.ts).
      ...(this.family === 'go' ? ownTypeMarkers(model, this.goTypes(text), true) : []),
    ];
    const findings = this.check({ ...model, poolNames: new Set([...model.poolNames, ...extra]) });
    lap('check');
    const out = markSuppressed(this.withFixable(findings, tree.rootNode, text), suppressionsIn(text, this.family));
    lap('fixes');
    return out;
  }

  private goTypesFor: { facts: string[]; types: GoTypes } | undefined;

  /** The workspace's Go types with this file's own (which change as it is edited). */
  private goTypes(text: string): GoTypes {
    const own = fileFacts(text, 'go');
    const known = this.goTypesFor;
    if (known && known.facts.length === own.length && known.facts.every((f, i) => f === own[i])) return known.types;
    const types = new GoTypes([...(this.options.summaries?.go?.facts ?? []), ...own]);
    this.goTypesFor = { facts: own, types };
    return types;
  }

  private async parse(text: string, lines: number[], edits: readonly TreeEdit[] | undefined): Promise<SyntaxTree | undefined> {
    const previous = this.tree;
    this.edit = undefined;
    this.unchanged = false;
    if (previous) {
      if (edits) for (const edit of edits) previous.edit(edit);
      else {
        const edit = diffEdit(this.text, this.lines, text, lines);
        if (!edit) {
          this.unchanged = true;
          return previous;
        }
        previous.edit(edit);
        this.edit = edit;
      }
    }
    let next = await parseText(text, this.language, previous);
    // Error recovery over subtrees kept from a tree that already had errors can differ from a fresh
    // parse of the same text (tree-sitter reuses them where a fresh parse would recover differently):
    // a broken text edited into another broken text is parsed afresh, so findings stay those of analyzeText.
    if (next && previous?.rootNode.hasError && next.rootNode.hasError) {
      next.delete();
      next = await parseText(text, this.language);
      this.edit = undefined;
    }
    // The top-level statement the edit was in, as it was (lowerNothing needs it to have lowered to nothing too).
    this.statementBefore = undefined;
    if (next && previous && this.edit && this.edit.startPosition.row === this.edit.oldEndPosition.row) {
      const before = topLevelStatement(previous.rootNode, this.edit.startIndex, this.edit.oldEndIndex);
      if (before) this.statementBefore = { type: before.type, start: before.startIndex };
    }
    // Where the structure changed, for the fast path (lowerOne): it must be inside the edited function.
    this.changed = next && previous && this.edit ? next.getChangedRanges(previous).map((r) => [r.startIndex, r.endIndex] as const) : [];
    previous?.delete();
    this.tree = next;
    this.text = text;
    this.lines = lines;
    return next;
  }

  /** The file's model, reusing kept functions; undefined when nesting is too deep to analyse. */
  private lower(root: SyntaxNode, text: string, lines: number[]): FileModel | undefined {
    const ctx = new KeepingContext(this.family, this.kept, text, lines, this.counters);
    let model: FileModel;
    try {
      model = LOWERINGS[this.family].file(root, undefined, ctx);
    } catch (error) {
      if (error instanceof NestingTooDeep) return undefined;
      throw error;
    }
    this.kept = ctx.next;
    this.copiedFrom = ctx.copiedFrom;
    this.lastUpdate.lowered = ctx.lowered;
    this.lastUpdate.kept = ctx.keptFunctions;
    if (ctx.program) this.last = { model, program: ctx.program, topLevel: ctx.topLevel };
    return model;
  }

  /**
   * The fast path for the commonest edit, one inside a function at the top level (not nested in another),
   * within one line that is not the function's last: only that function is lowered again and spliced into the last model; the top
   * level's model is the last one with that function's closure replaced. Undefined when the edit is of
   * another kind (then the whole file is walked, reusing kept functions).
   */
  private lowerOne(last: LastLowering, edit: TreeEdit, root: SyntaxNode, text: string, lines: number[]): FileModel | undefined {
    if (edit.startPosition.row !== edit.oldEndPosition.row || edit.startPosition.row !== edit.newEndPosition.row) return undefined;
    const shift = edit.newEndIndex - edit.oldEndIndex;
    // The function the edit is strictly inside (its first and last characters unchanged).
    const index = last.topLevel.findIndex((t) => t.start < edit.startIndex && edit.oldEndIndex < t.end);
    const old = last.topLevel[index];
    if (!old) return undefined;
    // Not on its last line: then nothing outside the function moves (what follows it there, or a
    // declaration ending there, keeps its columns).
    if (edit.startPosition.row >= old.kept.startRow + old.kept.rows) return undefined;
    const end = old.end + shift;
    if (this.changed.some(([from, to]) => from < old.start || to > end)) return undefined;
    const node = root.namedDescendantForIndex(old.start, end);
    if (!node || node.type !== old.type || node.startIndex !== old.start || node.endIndex !== end) return undefined;
    const ctx = new KeepingContext(this.family, this.kept, text, lines, this.counters);
    const model = LOWERINGS[this.family].function(node, ctx);
    const kept = ctx.topLevel[0];
    if (!kept || kept.kept.model !== model || kept.kept.depth > MAX_NESTING / 2) return undefined;
    // What the rest of the file sees of it must not change: its name (a top-level local, a summary's
    // name is learned again anyway) and the pool names it binds.
    if (kept.kept.poolNames.join('\u0000') !== old.kept.poolNames.join('\u0000')) return undefined;
    const topLevel = [...last.topLevel];
    topLevel[index] = kept;
    for (let i = index + 1; i < topLevel.length; i++) {
      const t = topLevel[i] as TopLevel;
      topLevel[i] = { ...t, start: t.start + shift, end: t.end + shift };
    }
    // A renamed function is another top-level local: only when no top-level code names either name.
    if (model.name !== old.kept.model.name && topLevelCodeNames(text, topLevel, [model.name, old.kept.model.name])) return undefined;
    const program = replaceClosure(last.program, old.kept.model, model, rangeOfNode(node), rangeOfNode(root));
    if (!program) return undefined;
    // The functions of a file are those of its top-level functions in order, then the top level's own.
    const functions = topLevel.flatMap((t) => t.kept.functions);
    if (!root.hasError) functions.push(program);
    forget(this.kept, old.kept);
    for (const [key, list] of ctx.next) {
      const existing = this.kept.get(key);
      if (existing) existing.push(...list);
      // A copy: the map outlives this version's text, which a slice would keep alive.
      else this.kept.set((' ' + key).slice(1), [...list]);
    }
    this.copiedFrom = new Map();
    this.lastUpdate.lowered = ctx.lowered;
    this.lastUpdate.kept = last.model.functions.length - old.kept.functions.length + ctx.keptFunctions;
    this.lastUpdate.onlyEditedFunction = true;
    const fileModel: FileModel = { family: this.family, functions, poolNames: last.model.poolNames };
    this.last = { model: fileModel, program, topLevel };
    return fileModel;
  }

  /**
   * The fast path for an edit within one line of a top-level statement that lowers to nothing (a
   * comment, an import, a type declaration): the last model stands, with the top level's range renewed.
   */
  private lowerNothing(last: LastLowering, edit: TreeEdit, root: SyntaxNode, text: string, lines: number[]): FileModel | undefined {
    if (edit.startPosition.row !== edit.oldEndPosition.row || edit.startPosition.row !== edit.newEndPosition.row) return undefined;
    if (last.topLevel.some((t) => t.start <= edit.oldEndIndex && edit.startIndex <= t.end)) return undefined;
    const statement = topLevelStatement(root, edit.startIndex, edit.newEndIndex);
    const nothing = LOWERS_TO_NOTHING[this.family];
    const before = this.statementBefore;
    if (!statement || !nothing.has(statement.type) || !before || !nothing.has(before.type) || before.start !== statement.startIndex) return undefined;
    const from = statement.startIndex;
    const to = statement.endIndex;
    if (this.changed.some(([a, b]) => a < from || b > to)) return undefined;
    // Columns after the edit on its line move: only the statement itself may be there.
    const lineEnd = lines[edit.startPosition.row + 1] ?? text.length;
    if (to < lineEnd && text.slice(to, lineEnd).trim() !== '') return undefined;
    const shift = edit.newEndIndex - edit.oldEndIndex;
    const topLevel = last.topLevel.map((t) => (t.start >= edit.oldEndIndex ? { ...t, start: t.start + shift, end: t.end + shift } : t));
    const program: FunctionModel = { ...last.program, range: rangeOfNode(root) };
    const functions = topLevel.flatMap((t) => t.kept.functions);
    if (!root.hasError) functions.push(program);
    this.copiedFrom = new Map();
    this.lastUpdate.kept = functions.length;
    this.lastUpdate.onlyEditedFunction = true;
    const fileModel: FileModel = { family: this.family, functions, poolNames: last.model.poolNames };
    this.last = { model: fileModel, program, topLevel };
    return fileModel;
  }

  private identity(fn: FunctionModel): number {
    let id = this.identities.get(fn);
    if (id === undefined) {
      id = this.nextIdentity++;
      this.identities.set(fn, id);
    }
    return id;
  }

  /** analyzeWorkspace's summary rounds for one file, with each function's result kept per catalogue. */
  private check(model: FileModel): Finding[] {
    const { poolNames } = model;
    const poolKey = [...poolNames].sort().join(',');
    if (!model.functions.some((fn) => this.acquires(fn, poolKey, poolNames))) return [];
    const results = new Array<FunctionResult | undefined>(model.functions.length);
    const { learned, known } = givenSummaries(this.family, this.options);
    const learnedNames = new Set<string>();
    for (let round = 0; round < MAX_SUMMARY_ROUNDS; round++) {
      const catalogue = new Catalogue(this.family, this.options, learned);
      const key = `${poolKey}|${JSON.stringify(learned)}`;
      const newNames: string[] = [];
      model.functions.forEach((fn, index) => {
        const exit = exitMethodOf(fn, model.functions);
        if (results[index] && !callsAny(fn, learnedNames) && !(exit && callsAny(exit, learnedNames))) return;
        // A kept method's result depends on its class's `__exit__` too, which may have been lowered anew.
        const exitKey = exit ? `|exit:${this.identity(exit)}` : '';
        const result = this.resultOf(fn, `${key}${exitKey}`, () => analyzeFunction(fn, catalogue, poolNames, exit));
        results[index] = result;
        newNames.push(...apiNamesOf(learnFrom(fn, result, known, learned)));
      });
      if (newNames.length === 0 || round === MAX_SUMMARY_ROUNDS - 1) break;
      for (const name of newNames) learnedNames.add(name);
    }
    return uniqueSorted(results.flatMap((r) => r?.findings ?? []));
  }

  /** Whether `fn` has an acquire site of the settings' catalogue and the given summaries (none learned here), kept per model. */
  private acquires(fn: FunctionModel, poolKey: string, poolNames: ReadonlySet<string>): boolean {
    const known = this.hasAcquire.get(fn);
    if (known?.poolKey === poolKey) return known.acquires;
    const acquires = acquireSites(fn, this.base, poolNames).length > 0;
    this.hasAcquire.set(fn, { poolKey, acquires });
    return acquires;
  }

  private resultOf(fn: FunctionModel, key: string, compute: () => FunctionResult): FunctionResult {
    let byKey = this.results.get(fn);
    if (!byKey) {
      byKey = new Map();
      this.results.set(fn, byKey);
      // A moved function's results without findings hold no line numbers: they stand for the copy.
      const original = this.copiedFrom.get(fn);
      const before = original && this.results.get(original);
      if (before) for (const [k, result] of before) if (result.findings.length === 0) byKey.set(k, result);
    }
    let result = byKey.get(key);
    if (!result) {
      result = compute();
      this.lastUpdate.checked++;
      if (byKey.size >= MAX_RESULTS_PER_MODEL) byKey.clear();
      byKey.set(key, result);
    }
    return result;
  }

  /** `fixable` as analyzeWorkspace sets it; a kept finding keeps its answer, new ones ask the fixes. */
  private withFixable(findings: Finding[], root: SyntaxNode, text: string): Finding[] {
    const unknown = findings.filter((f) => !this.fixable.has(f));
    if (unknown.length > 0) {
      const fixes = fixesForTree(root, text, this.language, unknown);
      unknown.forEach((f, i) => this.fixable.set(f, (fixes[i]?.length ?? 0) > 0));
    }
    return findings.map((f) => ({ ...f, fixable: this.fixable.get(f) ?? false }));
  }
}

interface Frame {
  type: string;
  head: string;
  startRow: number;
  rows: number;
  startIndex: number;
  endIndex: number;
  functionsStart: number;
  poolStart: number;
  baseDepth: number;
  maxDepth: number;
  children: Kept[];
}

/** Records every name added, so a kept function knows the pool names its lowering bound. */
class LoggingSet extends Set<string> {
  readonly log: string[] = [];

  override add(value: string): this {
    this.log.push(value);
    return super.add(value);
  }
}

/**
 * The lowering context of one update: hands back kept models for unchanged functions and records the
 * functions it lowers for the next update.
 */
class KeepingContext extends LoweringContext {
  override readonly poolNames = new LoggingSet();
  /** What the next update may reuse: every function of this version. */
  readonly next = new Map<string, Kept[]>();
  readonly copiedFrom = new Map<FunctionModel, FunctionModel>();
  private readonly frames: Frame[] = [];
  /** Functions lowered or kept outside any other function (at the top level or in a top-level class), in order. */
  readonly topLevel: TopLevel[] = [];
  /** The top level's own model (the root's). */
  program: FunctionModel | undefined;
  private readonly used = new Set<Kept>();
  private level = 0;
  lowered = 0;
  keptFunctions = 0;

  constructor(
    family: LanguageFamily,
    private readonly previous: ReadonlyMap<string, Kept[]>,
    private readonly text: string,
    private readonly lines: readonly number[],
    private readonly counters: { id: number; temp: number },
  ) {
    super(family);
  }

  override id(): number {
    return this.counters.id++;
  }

  override temp(): string {
    return `$t${this.counters.temp++}`;
  }

  override nested<T>(fn: () => T): T {
    this.level++;
    const top = this.frames[this.frames.length - 1];
    if (top && this.level > top.maxDepth) top.maxDepth = this.level;
    try {
      return super.nested(fn);
    } finally {
      this.level--;
    }
  }

  override reuse(node: SyntaxNode, name: SyntaxNode | null, context: string): FunctionModel | undefined {
    const start = node.startPosition;
    const end = node.endPosition;
    const startRow = start.row;
    const rows = end.row - startRow;
    const head = headOf(node, start, end, name, context);
    const lines = this.linesOf(startRow, rows);
    let entry: Kept | undefined;
    for (const k of this.previous.get(lines) ?? []) {
      if (k.head !== head || this.used.has(k)) continue;
      if (k.startRow === startRow) {
        entry = k;
        break;
      }
      entry ??= k;
    }
    const top = this.frames[this.frames.length - 1];
    // Kept models are only valid where lowering them again would not hit the nesting limit.
    if (!entry || this.level + entry.depth > MAX_NESTING) {
      this.frames.push({
        head,
        startRow,
        rows,
        type: node.type,
        startIndex: node.startIndex,
        endIndex: node.endIndex,
        functionsStart: this.functions.length,
        poolStart: this.poolNames.log.length,
        baseDepth: this.level,
        maxDepth: this.level,
        children: [],
      });
      return undefined;
    }
    const delta = startRow - entry.startRow;
    const kept = delta === 0 ? entry : this.shifted(entry, delta, new Map());
    this.keep(kept);
    this.functions.push(...kept.functions);
    this.keptFunctions += kept.functions.length;
    for (const pool of kept.poolNames) this.poolNames.add(pool);
    if (top) {
      top.children.push(kept);
      top.maxDepth = Math.max(top.maxDepth, this.level + kept.depth);
    } else this.topLevel.push({ type: node.type, start: node.startIndex, end: node.endIndex, kept });
    return kept.model;
  }

  override addFunction(model: FunctionModel, node: SyntaxNode): void {
    super.addFunction(model, node);
    const frame = this.frames[this.frames.length - 1];
    if (!frame) {
      if (node.parent === null) this.program = model;
      return;
    }
    if (frame.startIndex !== node.startIndex || frame.endIndex !== node.endIndex) return;
    this.frames.pop();
    this.lowered++;
    detachStrings(model, new Set());
    const kept: Kept = {
      head: frame.head,
      startRow: frame.startRow,
      rows: frame.rows,
      model,
      functions: this.functions.slice(frame.functionsStart),
      poolNames: this.poolNames.log.slice(frame.poolStart),
      depth: frame.maxDepth - frame.baseDepth,
      children: frame.children,
    };
    this.add(kept);
    const parent = this.frames[this.frames.length - 1];
    if (parent) {
      parent.children.push(kept);
      parent.maxDepth = Math.max(parent.maxDepth, frame.maxDepth);
    } else this.topLevel.push({ type: frame.type, start: frame.startIndex, end: frame.endIndex, kept });
  }

  /** The text of whole lines, from this version (kept entries are found by it, then by their head). */
  private linesOf(startRow: number, rows: number): string {
    const from = this.lines[startRow] ?? this.text.length;
    const to = this.lines[startRow + rows + 1] ?? this.text.length;
    return this.text.slice(from, to);
  }

  private add(kept: Kept): void {
    // Keyed by this version's text: a key sliced from an older version would keep that whole text alive.
    const key = this.linesOf(kept.startRow, kept.rows);
    const list = this.next.get(key);
    if (list) list.push(kept);
    else this.next.set(key, [kept]);
  }

  /** Carries a reused entry and the entries nested in it into the next version. */
  private keep(kept: Kept): void {
    this.used.add(kept);
    this.add(kept);
    for (const child of kept.children) this.keep(child);
  }

  /** A copy of `entry` `delta` rows away: ranges moved, call ids fresh (ids are unique within a file). */
  private shifted(entry: Kept, delta: number, copies: Map<object, unknown>): Kept {
    const copy = <T>(value: T): T => copyShifted(value, delta, copies, () => this.counters.id++);
    const functions = entry.functions.map((fn) => {
      const moved = copy(fn);
      this.copiedFrom.set(moved, fn);
      return moved;
    });
    return {
      head: entry.head,
      startRow: entry.startRow + delta,
      rows: entry.rows,
      model: copy(entry.model),
      functions,
      poolNames: entry.poolNames,
      depth: entry.depth,
      children: entry.children.map((child) => this.shifted(child, delta, copies)),
    };
  }
}

/**
 * What a function's model takes from outside its lines' text: its node type, whether it has errors,
 * where on its first and last lines it starts and ends (error recovery elsewhere can move a node's ends
 * without changing the text), its name (which may come from the parent) and the lowering's context (a
 * decorator). Together with the whole lines the function spans this is what a kept model must match.
 */
function headOf(node: SyntaxNode, start: Point, end: Point, name: SyntaxNode | null, context: string): string {
  const at = name?.startPosition;
  const named = name && at ? [at.row - start.row, at.column, name.text] : [];
  // A fresh string: a slice of the text would keep that whole version of the document alive.
  return JSON.stringify([node.type, node.hasError, start.column, end.column, context, ...named]);
}

/** Top-level statements the lowerings skip (JS: stmtInner's no-op cases; Python: likewise). */
const LOWERS_TO_NOTHING: Record<LanguageFamily, ReadonlySet<string>> = {
  js: new Set(['comment', 'import_statement', 'empty_statement', 'type_alias_declaration', 'interface_declaration', 'ambient_declaration', 'function_signature']),
  py: new Set(['comment', 'import_statement', 'import_from_statement', 'future_import_statement', 'pass_statement']),
  go: new Set(['comment', 'package_clause', 'import_declaration', 'type_declaration']),
  java: new Set(['line_comment', 'block_comment', 'package_declaration', 'import_declaration']),
  cs: new Set(['comment', 'using_directive', 'file_scoped_namespace_declaration', 'extern_alias_directive', 'global_attribute', 'enum_declaration', 'delegate_declaration']),
};

/** The statement directly under the root that holds the span, if any. */
function topLevelStatement(root: SyntaxNode, from: number, to: number): SyntaxNode | undefined {
  let node = root.namedDescendantForIndex(from, to);
  while (node?.parent && node.parent.parent) node = node.parent;
  return node?.parent ? node : undefined;
}

/** Whether the text outside the top-level functions (the top-level code) names any of `names`. */
function topLevelCodeNames(text: string, topLevel: readonly TopLevel[], names: readonly (string | undefined)[]): boolean {
  const wanted = names.filter((n): n is string => n !== undefined && n !== '');
  if (wanted.length === 0) return false;
  const pattern = new RegExp(`(?<![\\w$])(?:${wanted.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\w$])`);
  let from = 0;
  for (const t of [...topLevel].sort((a, b) => a.start - b.start)) {
    if (t.start > from && pattern.test(text.slice(from, t.start))) return true;
    from = Math.max(from, t.end);
  }
  return pattern.test(text.slice(from));
}

function rangeOfNode(node: SyntaxNode): SourceRange {
  const start = node.startPosition;
  const end = node.endPosition;
  return { startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column };
}

/**
 * The top level's model with the closure op of `before` (directly in its body) now creating `after`;
 * unchanged when no op creates it (a class method), undefined when the op is deeper in the body.
 */
function replaceClosure(program: FunctionModel, before: FunctionModel, after: FunctionModel, range: SourceRange, rootRange: SourceRange): FunctionModel | undefined {
  const at = program.body.findIndex((op) => op.kind === 'closure' && op.fn === before);
  const body = [...program.body];
  if (at >= 0) body[at] = { kind: 'closure', fn: after, range };
  else {
    let nested = false;
    visitClosures(program.body, (fn) => {
      if (fn === before) nested = true;
    });
    if (nested) return undefined;
  }
  return { ...program, body, range: rootRange };
}

/** Drops a kept entry and those nested in it from `map` (the fast path replaced them). */
function forget(map: Map<string, Kept[]>, kept: Kept): void {
  for (const [key, list] of map) {
    const i = list.indexOf(kept);
    if (i < 0) continue;
    list.splice(i, 1);
    if (list.length === 0) map.delete(key);
    break;
  }
  for (const child of kept.children) forget(map, child);
}



/**
 * Replaces the strings in a newly lowered function's ops by copies: tree-sitter hands out slices of
 * the document's text, and a kept model would otherwise keep the whole text of the version it was
 * lowered from alive for as long as it is kept. Nested closures were detached when they were lowered.
 */
function detachStrings(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    // `' ' + s` is a two-part string; slicing it copies both parts into one new string first.
    if (typeof field === 'string') record[key] = field.length >= 13 ? (' ' + field).slice(1) : field;
    else if (key !== 'fn') detachStrings(field, seen);
  }
}

function copyShifted<T>(value: T, delta: number, copies: Map<object, unknown>, newId: () => number): T {
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done) return done as T;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value) out.push(copyShifted(item, delta, copies, newId));
    return out as T;
  }
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = copyShifted(v, delta, copies, newId);
  if (typeof out['startLine'] === 'number' && typeof out['endLine'] === 'number') {
    out['startLine'] += delta;
    out['endLine'] += delta;
  }
  if (out['kind'] === 'call' && typeof out['id'] === 'number') out['id'] = newId();
  return out as T;
}

/** Offsets at which each line starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function pointOf(lines: readonly number[], offset: number): Point {
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lines[mid] as number) <= offset) low = mid;
    else high = mid - 1;
  }
  return { row: low, column: offset - (lines[low] as number) };
}

/** The one edit that turns `before` into `after` (common prefix and suffix kept); undefined when equal. */
export function diffEdit(before: string, beforeLines: readonly number[], after: string, afterLines: readonly number[]): TreeEdit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  // Whole chunks first (string comparison is a memcmp), then character by character.
  const CHUNK = 1024;
  let start = 0;
  while (start + CHUNK <= shorter && before.slice(start, start + CHUNK) === after.slice(start, start + CHUNK)) start += CHUNK;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail + CHUNK <= shorter - start && before.slice(before.length - tail - CHUNK, before.length - tail) === after.slice(after.length - tail - CHUNK, after.length - tail)) tail += CHUNK;
  while (tail < shorter - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointOf(beforeLines, start),
    oldEndPosition: pointOf(beforeLines, oldEnd),
    newEndPosition: pointOf(afterLines, newEnd),
  };
}
