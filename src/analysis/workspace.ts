// Analyses many files together so that functions in one file that return an acquired client (or
// release one passed to them) become acquire (release) APIs for callers in every file.
import { Catalogue, releaseId, type AcquireApi, type CatalogueOptions, type ReleaseSpec } from './catalogue';
import type { Finding } from './findings';
import { fixesFor } from './fixes/fixes';
import { acquireSites, analyzeFunction, exitMethodOf, learnedAcquire, learnedRelease, learnedWrapper, type FunctionResult } from './functionAnalysis';
import { familyOf, LANGUAGE_FAMILIES, MAX_FILE_CHARS, type LanguageFamily, type LanguageId } from './languages';
import { NestingTooDeep } from './lowering/builder';
import { FunctionFocus, type FocusNames } from './lowering/focus';
import { moduleName } from './lowering/javascript';
import { LOWERINGS } from './lowering/lowerings';
import { quietFunctionNames } from './lowering/quiet';
import { runOnceFunctionNames } from './lowering/runOnce';
import { callsAny } from './checker/functionContext';
import type { FileModel, FunctionModel } from './model';
import { fileFacts, foreignPoolNames, workspaceMarkers } from './drivers';
import { goTypesOf, ownTypeMarkers } from './apis/goTypes';
import { markSuppressed, suppressionsIn } from './suppressions';
import { sqlSitesOf, type SqlSite } from './sql/sites';
import { MAY_CONSTRUCT_POOL, poolSitesOf, type PoolSite } from './sql/pools';
import { parseText, type SyntaxTree } from './treeSitter';

export interface SourceFile {
  path: string;
  text: string;
  language: LanguageId;
}

export type SkipReason = 'too-large' | 'binary' | 'minified' | 'generated' | 'unparsable' | 'too-deep';

export interface FileResult {
  path: string;
  findings: Finding[];
  /** Why the file produced no findings without being analysed. */
  skipped?: SkipReason;
  /** What this file's functions teach callers elsewhere (they return an acquired client, release a parameter); only when they teach something. */
  teaches?: Learned;
  /** The statements the file sends, with AnalyzerOptions.sqlSites (sessions → code). */
  sql?: SqlSite[];
  /** The pools the file constructs, with AnalyzerOptions.sqlSites (the pool budget). */
  pools?: PoolSite[];
}

export interface AnalyzerOptions extends CatalogueOptions {
  /**
   * What functions outside the files analysed teach, by language family: the `teaches` of an earlier
   * analyzeWorkspace over them. The editor passes the last workspace scan's, so that a file edited
   * alone still sees the helpers other files define.
   */
  summaries?: Partial<Record<LanguageFamily, Learned>>;
  /** Also read every file's SQL statements (FileResult.sql), from the same parse. */
  sqlSites?: boolean;
}

/** A file that may send SQL (a string that starts with a statement's keyword): worth parsing for its statements when the analysis had no need to. */
const MAY_HOLD_SQL = /["'`]\s*(?:select\s[^"'`;]{0,400}?\bfrom\b|insert\s+into\b|update\s+["\w.]+\s+set\b|delete\s+from\b|with\s+(?:recursive\s+)?\w+\s+as\s*\(|call\s+[\w.]+\s*\()/i;

export { MAX_FILE_CHARS } from './languages';
export const MAX_SUMMARY_ROUNDS = 4;

export function looksBinary(text: string): boolean {
  return text.slice(0, 8000).includes('\u0000');
}

// Minified and generated JavaScript is someone else's code (a vendored library, a bundle, compiled
// output whose source is analysed too): findings there cannot be acted on and misread its minified
// names. Recognised by name (*.min.js, *.bundle.js, *-chunk.js), by lines no person writes (one of
// 2,000+ characters, or 200+ on average), or by what bundlers and compilers leave: a source map
// comment at the end, webpack/parcel runtimes, or the CommonJS interop header of compiled modules.
const MINIFIED_NAME = /[.-]min\.[cm]?js$|[.-](bundle|chunk)\.[cm]?js$/i;
const LONGEST_WRITTEN_LINE = 2_000;
const MEAN_WRITTEN_LINE = 200;
const SOURCE_MAP_COMMENT = /\/[/*][#@] sourceMappingURL=\S+\s*(\*\/)?\s*$/;
const BUNDLER_RUNTIME = /webpackBootstrap|__webpack_require__|\bparcelRequire\b|Object\.defineProperty\(exports, ["']__esModule["']/;

/** 'minified' or 'generated' for JavaScript no person wrote, else undefined (exported for tests). */
export function machineWritten(file: SourceFile): 'minified' | 'generated' | undefined {
  if (familyOf(file.language) !== 'js') return undefined;
  const text = file.text;
  if (MINIFIED_NAME.test(file.path)) return 'minified';
  let lines = 1;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const length = (end < 0 ? text.length : end) - start;
    if (length >= LONGEST_WRITTEN_LINE) return 'minified';
    if (end < 0) break;
    lines++;
    start = end + 1;
  }
  if (text.length >= 4_000 && text.length / lines >= MEAN_WRITTEN_LINE) return 'minified';
  if (SOURCE_MAP_COMMENT.test(text.slice(-600))) return 'generated';
  if (BUNDLER_RUNTIME.test(text.slice(0, 2_000))) return 'generated';
  return undefined;
}

/** Cheap checks that need no parse: the reason a file is skipped, or undefined. */
export function quickSkip(file: SourceFile): SkipReason | undefined {
  if (file.text.length > MAX_FILE_CHARS) return 'too-large';
  if (looksBinary(file.text)) return 'binary';
  return machineWritten(file);
}

/**
 * Syntax trees of files whose models left functions unlowered, by path: when a name learned later
 * calls for lowering such a file again, its tree is at hand instead of parsing the file once more.
 * Bounded by the text it covers; `clear()` frees the trees.
 */
export class TreeCache {
  private readonly trees = new Map<string, { text: string; tree: SyntaxTree }>();
  private chars = 0;

  constructor(private readonly maxChars = 64_000_000) {}

  /** The tree kept for this very text, now owned by the caller. */
  take(file: SourceFile): SyntaxTree | undefined {
    const kept = this.trees.get(file.path);
    if (!kept) return undefined;
    this.trees.delete(file.path);
    this.chars -= kept.text.length;
    if (kept.text === file.text) return kept.tree;
    kept.tree.delete();
    return undefined;
  }

  /** Keeps the tree unless that would pass the bound; false when the caller still owns it. */
  keep(file: SourceFile, tree: SyntaxTree): boolean {
    if (this.chars + file.text.length > this.maxChars) return false;
    this.trees.set(file.path, { text: file.text, tree });
    this.chars += file.text.length;
    return true;
  }

  clear(): void {
    for (const { tree } of this.trees.values()) tree.delete();
    this.trees.clear();
    this.chars = 0;
  }
}

/**
 * Parses and lowers one file; the reason when it cannot be analysed. With `focusNames` (focusNames()),
 * functions that cannot matter for them are left unlowered (lowering/focus.ts), and with `cache` the
 * tree of such a file is kept for lowering it again.
 */
export async function modelFile(file: SourceFile, focusNames?: FocusNames, cache?: TreeCache): Promise<FileModel | SkipReason> {
  const skip = quickSkip(file);
  if (skip) return skip;
  let tree = cache?.take(file);
  if (!tree) {
    try {
      tree = await parseText(file.text, file.language);
    } catch {
      return 'unparsable';
    }
  }
  if (!tree) return 'unparsable';
  let kept = false;
  try {
    const family = familyOf(file.language);
    const focus = focusNames ? new FunctionFocus(tree.rootNode, file.text, focusNames, family) : undefined;
    const model = LOWERINGS[family].file(tree.rootNode, focus);
    if (focusNames?.sql) {
      model.sql = sqlSitesOf(tree.rootNode, family);
      if (MAY_CONSTRUCT_POOL.test(file.text)) model.pools = poolSitesOf(tree.rootNode, family, file.text);
    }
    for (const name of quietFunctionNames(tree.rootNode, family)) model.poolNames.add(name);
    if (family === 'py') for (const name of runOnceFunctionNames(tree.rootNode, file.text)) model.poolNames.add(name);
    kept = model.unlowered !== undefined && cache !== undefined && cache.keep(file, tree);
    return model;
  } catch (error) {
    if (error instanceof NestingTooDeep) return 'too-deep';
    throw error;
  } finally {
    if (!kept) tree.delete();
  }
}

export interface Learned {
  acquires: AcquireApi[];
  releases: ReleaseSpec[];
  /**
   * What files state of themselves (drivers.ts fileFacts): joined with the files analysed, they
   * decide what the workspace's pools are (workspaceMarkers).
   */
  facts?: string[];
}

/**
 * Where summary rounds start for `family`: what `options.summaries` gives, with the ids learnFrom
 * keeps in `known`, so that a name given from outside is not learned a second time.
 */
export function givenSummaries(family: LanguageFamily, options: AnalyzerOptions): { learned: Learned; known: Set<string> } {
  const given = options.summaries?.[family];
  const learned: Learned = { acquires: [...(given?.acquires ?? [])], releases: [...(given?.releases ?? [])] };
  const known = new Set<string>([
    ...learned.acquires.map((api) => api.id),
    ...learned.releases.map(releaseId),
  ]);
  return { learned, known };
}

/**
 * Adds what `fn`'s result teaches callers (it returns an acquired client, it releases a parameter) to
 * `learned`, once per API (`known` holds the ids seen); returns the APIs new to it.
 */
/** `module`: the file name (without folders and extension) of the file `fn` is in, when known. */
export function learnFrom(fn: FunctionModel, result: FunctionResult, known: Set<string>, learned: Learned, module?: string): Learned {
  const fresh: Learned = { acquires: [], releases: [] };
  for (const api of [result.returnsAcquired && learnedAcquire(fn, result.returnsAcquired), result.keepsAcquired && learnedWrapper(fn, result.keepsAcquired, module)]) {
    if (api && !known.has(api.id)) {
      known.add(api.id);
      fresh.acquires.push(api);
    }
  }
  for (const released of result.releasedParams) {
    const spec = learnedRelease(fn, released);
    if (!spec) continue;
    if (!known.has(releaseId(spec))) {
      known.add(releaseId(spec));
      fresh.releases.push(spec);
      continue;
    }
    // Two functions of the same name: a call may be either, so it counts as doing more than release
    // when one of them does (fixes then leave it alone). Replaced, not changed: given summaries are shared.
    const at = learned.releases.findIndex((r) => releaseId(r) === releaseId(spec) && r.kind === 'call' && r.helper?.onlyReleases === true);
    if (at >= 0 && spec.kind === 'call' && spec.helper?.onlyReleases === false) learned.releases[at] = spec;
  }
  learned.acquires.push(...fresh.acquires);
  learned.releases.push(...fresh.releases);
  return fresh;
}

/** The names a caller calls the APIs by. */
export function apiNamesOf(learned: Learned): string[] {
  return [...learned.acquires.map((api) => api.method), ...learned.releases.map((spec) => spec.method)];
}

/**
 * Turns files into models (modelFile with `focusNames`); the CLI passes one that runs on worker
 * threads. Results in the order of `files`.
 */
export type FileModeller = (files: readonly SourceFile[], focusNames?: FocusNames) => Promise<(FileModel | SkipReason)[]>;

/** Models files one after the other on this thread, keeping trees in `cache`. */
export function modellerInTurn(cache?: TreeCache): FileModeller {
  return async (files, focusNames) => {
    const models: (FileModel | SkipReason)[] = [];
    for (const file of files) models.push(await modelFile(file, focusNames, cache));
    return models;
  };
}

/**
 * The names a function must mention to be worth lowering with `catalogue`: its APIs, and the pool
 * constructors, since a function that binds a pool name changes what other functions acquire.
 */
export function focusNames(catalogue: Catalogue, sql = false): FocusNames {
  const acquire = new Set(catalogue.acquires.map((api) => api.method).filter((n) => n !== ''));
  const other = apiNames(catalogue).filter((n) => !acquire.has(n));
  return { acquire: [...acquire], other: [...other, ...LOWERINGS[catalogue.family].poolConstructors], ...(sql ? { sql } : {}) };
}

/**
 * The method names through which a call can acquire or release with `catalogue`. A function finds a
 * leak or becomes a summary only through a call whose callee's last name is one of these, so a file
 * whose text never mentions one has nothing to report and is not parsed at all (most of a workspace,
 * and nearly all of node_modules).
 */
export function apiNames(catalogue: Catalogue): string[] {
  const names = new Set<string>();
  for (const api of catalogue.acquires) {
    names.add(api.method);
    for (const release of api.releases) names.add(release.method);
  }
  for (const release of catalogue.extraReleases) names.add(release.method);
  return [...names].filter((n) => n !== '');
}

/**
 * Whether a file's text could hold an acquire site of `catalogue`: it names an acquire method and, for
 * a method tied to a receiver (`pool.connect`), also the receiver's name or a pool/engine factory (the
 * lowerings only put names bound to `new Pool(…)`, `create_pool(…)`, `create_engine(…)` … in poolNames).
 * Receivers from settings are exact names and are not narrowed this way.
 */
export function mayAcquire(catalogue: Catalogue): (text: string) => boolean {
  const tests = catalogue.acquires.map((api) => {
    const method = mentionsAny([api.method]);
    // Anchored alternatives (`pool|^pg$`) name a whole receiver: in the text, a whole word.
    const source = api.receiver?.source.replace(/\^|\$(?=\||\)|$)/g, '\\b');
    const receiver = api.receiver && source && !api.receiver.source.startsWith('^') ? new RegExp(source, api.receiver.flags.replace('g', '')) : undefined;
    return (text: string): boolean => method(text) && (!receiver || receiver.test(text) || POOL_FACTORY_TEXT.test(text));
  });
  return (text) => tests.some((test) => test(text));
}

const POOL_FACTORY_TEXT = /pool|engine/i;

/** Matches `names` as whole identifiers (`$` counts as an identifier character in JavaScript). */
export function mentionsAny(names: readonly string[]): (text: string) => boolean {
  if (names.length === 0) return () => false;
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\w$])(?:${escaped.join('|')})(?![\\w$])`);
  return (text) => pattern.test(text);
}

/** Analyses `files` with summaries across all of them. Results are in the order of `files`. */
export async function analyzeWorkspace(files: readonly SourceFile[], options: AnalyzerOptions = {}, modeller?: FileModeller): Promise<FileResult[]> {
  if (modeller) return analyzeWith(files, options, modeller);
  const cache = new TreeCache();
  try {
    return await analyzeWith(files, options, modellerInTurn(cache));
  } finally {
    cache.clear();
  }
}

async function analyzeWith(files: readonly SourceFile[], given: AnalyzerOptions, modeller: FileModeller): Promise<FileResult[]> {
  // What the workspace's pools are: from the facts the other files stated and these files' own.
  const ownFacts = files.map((file) => fileFacts(file.text, familyOf(file.language)));
  const summaries: Partial<Record<LanguageFamily, Learned>> = { ...given.summaries };
  for (const family of FACT_FAMILIES) {
    const own = files.flatMap((file, index) => (familyOf(file.language) === family ? (ownFacts[index] ?? []) : []));
    if (own.length === 0 && family !== 'py') continue;
    const facts = [...new Set([...(given.summaries?.[family]?.facts ?? []), ...own])].sort();
    summaries[family] = { acquires: [], releases: [], ...given.summaries?.[family], facts };
  }
  const options: AnalyzerOptions = { ...given, summaries };
  // undefined: not parsed, because the text names no API of the catalogue (no findings, nothing to learn).
  const models: (FileModel | SkipReason | undefined)[] = files.map(quickSkip);
  const resultsByFile: (FunctionResult[] | undefined)[] = new Array(files.length);
  const taught: (Learned | undefined)[] = new Array(files.length);
  // The families share nothing but the modeller: while one checks functions on this thread, the
  // other's files are parsed on the workers.
  await Promise.all(LANGUAGE_FAMILIES.map((family) => analyzeFamily(family, files, options, modeller, models, resultsByFile, taught)));
  // The statements of files the analysis had no need to read: parsed once, nothing lowered.
  if (options.sqlSites) {
    const unread = files.flatMap((file, index) => (models[index] === undefined && (MAY_HOLD_SQL.test(file.text) || MAY_CONSTRUCT_POOL.test(file.text)) ? [index] : []));
    const made = unread.length > 0 ? await modeller(unread.map((index) => files[index] as SourceFile), { acquire: [], other: [], sql: true }) : [];
    unread.forEach((fileIndex, i) => (models[fileIndex] = made[i]));
  }
  const out: FileResult[] = [];
  for (const [index, file] of files.entries()) {
    const model = models[index];
    if (typeof model === 'string') {
      out.push({ path: file.path, findings: [], skipped: model });
      continue;
    }
    const findings = uniqueSorted((resultsByFile[index] ?? []).flatMap((r) => r?.findings ?? []));
    // `fixable` says whether a fix exists for this very text; only files with findings are parsed again.
    const fixes = await fixesFor(file.text, file.language, findings);
    // A file teaches its helpers and states its facts.
    const facts = ownFacts[index] ?? [];
    const helpers = taught[index];
    const teaches = facts.length > 0 ? { ...(helpers ?? { acquires: [], releases: [] }), facts } : helpers;
    const marked = markSuppressed(
      findings.map((f, i) => ({ ...f, fixable: (fixes[i]?.length ?? 0) > 0 })),
      suppressionsIn(file.text, familyOf(file.language)),
    );
    out.push({ path: file.path, findings: marked, ...(teaches ? { teaches } : {}), ...(model?.sql && model.sql.length > 0 ? { sql: model.sql } : {}), ...(model?.pools && model.pools.length > 0 ? { pools: model.pools } : {}) });
  }
  return out;
}

/** Models and checks one family's files, learning summaries round by round; fills in `models`, `resultsByFile` and `taught`. */
async function analyzeFamily(
  family: LanguageFamily,
  files: readonly SourceFile[],
  options: AnalyzerOptions,
  modeller: FileModeller,
  models: (FileModel | SkipReason | undefined)[],
  resultsByFile: (FunctionResult[] | undefined)[],
  taught: (Learned | undefined)[],
): Promise<void> {
  let unparsed = files.flatMap((file, index) => (models[index] === undefined && familyOf(file.language) === family ? [index] : []));
  const markers = workspaceMarkers(new Set(options.summaries?.[family]?.facts));
  const goTypes = family === 'go' ? goTypesOf(options.summaries?.go?.facts ?? NO_FACTS) : undefined;
  const { learned, known } = givenSummaries(family, options);
  // Lowered for the names in force when they are read; a file whose unlowered functions may name an
  // API learned later is lowered again (below), so every function that can matter is in its model.
  const modelFiles = async (chosen: number[]): Promise<void> => {
    if (chosen.length === 0) return;
    const made = await modeller(
      chosen.map((index) => files[index] as SourceFile),
      focusNames(new Catalogue(family, options, learned), options.sqlSites),
    );
    chosen.forEach((fileIndex, i) => {
      const model = made[i] as FileModel | SkipReason;
      models[fileIndex] = model;
      if (typeof model === 'string') return;
      resultsByFile[fileIndex] = new Array<FunctionResult>(model.functions.length);
      // Which of its pools are another driver's comes from the file's imports and the workspace's facts (drivers.ts).
      for (const name of foreignPoolNames((files[fileIndex] as SourceFile).text, family)) model.poolNames.add(name);
      for (const name of markers) model.poolNames.add(name);
      if (goTypes) for (const name of ownTypeMarkers(model, goTypes)) model.poolNames.add(name);
    });
  };
  const unparsedWhere = (wanted: (text: string) => boolean): number[] => {
    const chosen = unparsed.filter((index) => wanted((files[index] as SourceFile).text));
    const chosenSet = new Set(chosen);
    unparsed = unparsed.filter((index) => !chosenSet.has(index));
    return chosen;
  };
  const base = new Catalogue(family, options, learned);
  // Files that could acquire first. When none of them does, nothing in this family can leak, and the
  // files that only release (summaries for callers that hold a client) need not be read at all.
  await modelFiles(unparsedWhere(mayAcquire(base)));
  const acquires = models.some(
    (model) => model !== undefined && typeof model !== 'string' && model.family === family && model.functions.some((fn) => acquireSites(fn, base, model.poolNames).length > 0),
  );
  if (!acquires) return;
  await modelFiles(unparsedWhere(mentionsAny(apiNames(base))));
  const learnedNames = new Set<string>();
  for (let round = 0; round < MAX_SUMMARY_ROUNDS; round++) {
    const catalogue = new Catalogue(family, options, learned);
    const newNames: string[] = [];
    const newAcquires: string[] = [];
    models.forEach((model, fileIndex) => {
      if (model === undefined || typeof model === 'string' || model.family !== family) return;
      model.functions.forEach((fn, fnIndex) => {
        // Learned APIs match by a call's name only: a function that calls none of them has the same
        // result in every round, so after the first it keeps it.
        const previous = (resultsByFile[fileIndex] as FunctionResult[])[fnIndex];
        const exit = exitMethodOf(fn, model.functions);
        if (previous && !callsAny(fn, learnedNames) && !(exit && callsAny(exit, learnedNames))) return;
        const result = analyzeFunction(fn, catalogue, model.poolNames, exit);
        (resultsByFile[fileIndex] as FunctionResult[])[fnIndex] = result;
        const fresh = learnFrom(fn, result, known, learned, moduleName((files[fileIndex] as SourceFile).path));
        if (fresh.acquires.length + fresh.releases.length > 0) {
          const mine = (taught[fileIndex] ??= { acquires: [], releases: [] });
          mine.acquires.push(...fresh.acquires);
          mine.releases.push(...fresh.releases);
        }
        newNames.push(...apiNamesOf(fresh));
        newAcquires.push(...fresh.acquires.map((api) => api.method));
      });
    });
    // Results computed with the final catalogue stand; otherwise go round with what was learned,
    // now also over the files that call the learned functions.
    if (newNames.length === 0 || round === MAX_SUMMARY_ROUNDS - 1) break;
    for (const name of newNames) learnedNames.add(name);
    const mentioned = mentionsAny(newNames);
    const acquireMentioned = mentionsAny(newAcquires);
    // Files already read whose unlowered functions may now matter are lowered again (their functions
    // are then all checked in the next round, as if read now).
    const relowered = models.flatMap((model, index) => {
      if (model === undefined || typeof model === 'string' || model.family !== family || !model.unlowered) return [];
      const text = (files[index] as SourceFile).text;
      const stale = acquireMentioned(text) || model.unlowered.some(([start, end]) => mentioned(text.slice(start, end)));
      return stale ? [index] : [];
    });
    await modelFiles([...unparsedWhere(mentioned), ...relowered].sort((a, b) => a - b));
  }
}

const NO_FACTS: readonly string[] = [];

/** The families whose files state facts of themselves (drivers.ts fileFacts). */
export const FACT_FAMILIES: readonly LanguageFamily[] = ['py', 'go'];

/** The facts `files` state of themselves (drivers.ts fileFacts), by family. */
export function factsOf(files: readonly SourceFile[]): Partial<Record<LanguageFamily, string[]>> {
  const out: Partial<Record<LanguageFamily, string[]>> = {};
  for (const family of FACT_FAMILIES) {
    const facts = new Set<string>();
    for (const file of files) if (familyOf(file.language) === family) for (const fact of fileFacts(file.text, family)) facts.add(fact);
    if (facts.size > 0) out[family] = [...facts].sort();
  }
  return out;
}

/** One finding per rule and range, in source order (a site reached from two functions reports once). */
export function uniqueSorted(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.rule}:${f.range.startLine}:${f.range.startColumn}:${f.range.endLine}:${f.range.endColumn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
}
