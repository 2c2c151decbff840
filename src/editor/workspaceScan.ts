// "Analyze Workspace": lists the files, reads them, analyses them in chunks with summaries across
// files, and fills the Problems panel chunk by chunk behind a cancellable progress notification.
// Afterwards refresh() keeps that result true to the disk, file by file (closedFileWatcher.ts).
import * as vscode from 'vscode';
import type { AnalyzerOptions, FileResult, Finding, LanguageId, Learned, SourceFile } from '../analysis/analyzer';
import type { ReleaseSpec } from '../analysis/catalogue';
import { familyOf, languageForPath, MAX_FILE_CHARS, type LanguageFamily } from '../analysis/languages';
import { loadAnalyzer } from './analyzerModule';
import type { AnalysisDiagnostics } from './analysisDiagnostics';
import { groupByCatalogue, perFolder, shownFindings, type AnalysisSettings, type AnalysisSettingsSource } from './analysisSettings';
import type { FeatureLog } from './featureLog';
import { planChunks, summaryCandidateTest } from './scanChunks';
import { changedHelperNames, mentionsAnyName, planRefresh, type PendingChanges, type TaughtNames } from './closedFileChanges';
import { findWorkspaceFiles } from './workspaceFiles';
import { SqlIndex } from '../analysis/sql/sqlIndex';
import { applicationNameSites, type ApplicationNameSite } from '../analysis/sql/applicationNames';
import type { PoolSite } from '../analysis/sql/pools';

export interface ScanOutcome {
  filesScanned: number;
  filesWithFindings: number;
  findings: number;
  /** Files listed but not analysed, by reason (too-large, binary, unparsable, unreadable, …). */
  skipped: Record<string, number>;
  cancelled: boolean;
}

interface ScannedFile extends SourceFile {
  uri: vscode.Uri;
  /** Set when the text came from an open editor: results for an older version are dropped. */
  version?: number;
}

/** What one update of closed files after changes on disk did (WorkspaceScanner.refresh). */
export interface RefreshOutcome {
  /** Changed or new files analysed again. */
  analysed: number;
  /** Scanned files no longer listed (deleted, renamed away, now ignored): their diagnostics are gone. */
  forgotten: number;
  /** Other closed files analysed again because a helper they mention changed. */
  callers: number;
  /** Analyser runs this took: a burst of changes is a few chunks, not a run per file. */
  chunks: number;
}

const NO_PROGRESS: Progress = { report: () => undefined };

const READ_BATCH = 64;
/** Share of the progress bar for reading; analysing takes the rest. */
const READ_SHARE = 20;

type Progress = vscode.Progress<{ message?: string; increment?: number }>;

export class WorkspaceScanner implements vscode.Disposable {
  private running: vscode.CancellationTokenSource | undefined;
  /** An update of closed files after changes on disk (refresh); a scan cancels it. */
  private refreshing: vscode.CancellationTokenSource | undefined;
  /** Files in the last scan's result: their diagnostics outlive closing them. */
  private scanned = new Set<string>();
  /** What each scanned file's functions teach callers in other files (helpers that return a client, or release one). */
  private teachings = new Map<string, { family: LanguageFamily; learned: Learned }>();
  private readonly summariesChanged = new vscode.EventEmitter<void>();
  /** The SQL every scanned file sends, by file URI (sessions → code). */
  readonly sql = new SqlIndex();
  /** Where scanned files set an application_name, by file URI. */
  private readonly applicationNames = new Map<string, ApplicationNameSite[]>();
  /** The pools scanned files construct, by file URI. */
  private readonly poolsByFile = new Map<string, PoolSite[]>();
  private readonly sqlChanged = new vscode.EventEmitter<void>();
  /** Fires when the SQL index or the application names changed (after each chunk of a scan or an update). */
  readonly onDidChangeSql = this.sqlChanged.event;
  /** Fires when a scan has changed what files teach: open documents are analysed again with summariesFor. */
  readonly onDidChangeSummaries = this.summariesChanged.event;

  constructor(
    private readonly diagnostics: AnalysisDiagnostics,
    private readonly log: FeatureLog,
  ) {}

  isScanned(uri: vscode.Uri): boolean {
    return this.scanned.has(uri.toString());
  }

  get hasScanned(): boolean {
    return this.scanned.size > 0;
  }

  /** True when a scanned file lies below `uri` (a folder that was deleted or renamed, say). */
  hasScannedBelow(uri: vscode.Uri): boolean {
    const prefix = uri.toString().replace(/\/*$/, '/');
    for (const key of this.scanned) if (key.startsWith(prefix)) return true;
    return false;
  }

  get isScanning(): boolean {
    return this.running !== undefined;
  }

  /**
   * A saved file (or an open one its file changed under) teaches again what its functions teach now (a
   * helper renamed, or made to release), so the open documents that call it stop seeing the old helper
   * without a new scan. Only that file is analysed, with the other files' summaries. Gives the helper
   * names whose meaning changed: the closed files that mention them are the caller's to update (refresh).
   */
  async relearn(document: vscode.TextDocument, settings: AnalysisSettings): Promise<string[]> {
    const language = languageForPath(document.uri.path);
    if (!this.isScanned(document.uri) || !language || document.isDirty) return [];
    const key = document.uri.toString();
    const text = document.getText();
    const options: AnalyzerOptions = { ...settings.options, summaries: this.summariesFor(document.uri), sqlSites: true };
    const [result] = await (await loadAnalyzer()).analyzeWorkspace([{ path: document.uri.fsPath, text, language }], options);
    // Edited again, or a scan replaced the teachings meanwhile: this result is stale.
    if (document.getText() !== text || !this.isScanned(document.uri)) return [];
    const before = new Map(this.teachings);
    if (result?.teaches) this.teachings.set(key, { family: familyOf(language), learned: result.teaches });
    else this.teachings.delete(key);
    this.learnSql(key, text, result);
    this.sqlChanged.fire();
    if (describeTeachings(this.teachings) !== describeTeachings(before)) this.summariesChanged.fire();
    return changedHelperNames(taughtNames(before), taughtNames(this.teachings));
  }

  /** Forgets the scan (analysis turned off); diagnostics are the caller's to clear. */
  reset(): void {
    this.running?.cancel();
    this.refreshing?.cancel();
    this.scanned.clear();
    this.teachings.clear();
    this.sql.retain(() => false);
    this.applicationNames.clear();
    this.poolsByFile.clear();
    this.sqlChanged.fire();
  }

  /** Where the scanned files set `name` as their application_name (pool options, connection strings). */
  applicationNameSitesOf(name: string): { file: string; site: ApplicationNameSite }[] {
    const out: { file: string; site: ApplicationNameSite }[] = [];
    for (const [file, sites] of this.applicationNames) for (const site of sites) if (site.name === name) out.push({ file, site });
    return out;
  }

  private learnSql(key: string, text: string, result: FileResult | undefined): void {
    this.sql.setFile(key, result?.sql ?? []);
    const names = applicationNameSites(text);
    if (names.length > 0) this.applicationNames.set(key, names);
    else this.applicationNames.delete(key);
    if (result?.pools && result.pools.length > 0) this.poolsByFile.set(key, result.pools);
    else this.poolsByFile.delete(key);
  }

  /** Every pool the scanned files construct, by file URI (string) and position. */
  pools(): { file: string; pool: PoolSite }[] {
    return [...this.poolsByFile].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([file, pools]) => pools.map((pool) => ({ file, pool })));
  }

  private forgetSql(key: string): void {
    this.sql.deleteFile(key);
    this.applicationNames.delete(key);
    this.poolsByFile.delete(key);
  }

  /**
   * What the other files of the last scan teach `uri`'s functions, by family — never what `uri`
   * itself taught, since the document being edited speaks for itself. So a file edited alone keeps
   * the findings that come through helpers defined elsewhere (as of the last scan).
   */
  summariesFor(uri: vscode.Uri): AnalyzerOptions['summaries'] {
    return this.summariesExcept(new Set([uri.toString()]));
  }

  /** What the scanned files other than `keys` teach, by family (`keys` are being analysed and teach themselves). */
  private summariesExcept(keys: ReadonlySet<string>): AnalyzerOptions['summaries'] {
    const out: Partial<Record<LanguageFamily, Learned>> = {};
    const seen = new Set<string>();
    const firstTime = (id: string): boolean => !seen.has(id) && seen.add(id) !== undefined;
    for (const [key, { family, learned }] of this.teachings) {
      if (keys.has(key)) continue;
      const into = (out[family] ??= { acquires: [], releases: [] });
      into.acquires.push(...learned.acquires.filter((api) => firstTime(`${family}:${api.id}`)));
      into.releases.push(...learned.releases.filter((spec) => firstTime(`${family}:${releaseId(spec)}`)));
      const facts = (learned.facts ?? []).filter((fact) => firstTime(`${family}:fact:${fact}`));
      if (facts.length > 0) into.facts = [...(into.facts ?? []), ...facts];
    }
    return out;
  }

  /**
   * Scans the workspace, replacing a scan in progress. `interactive` shows a cancellable notification;
   * otherwise (re-runs after a settings change) progress shows in the status bar only.
   */
  run(settings: AnalysisSettingsSource, interactive: boolean): Thenable<ScanOutcome> {
    this.running?.cancel();
    // The scan reads every file again: an update of a few of them would only land on top of it.
    this.refreshing?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    return vscode.window.withProgress(
      {
        location: interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: vscode.l10n.t('PostgreSQL Health: analysing the workspace'),
        cancellable: interactive,
      },
      async (progress, token) => {
        const forward = token.onCancellationRequested(() => source.cancel());
        try {
          return await this.scan(settings, progress, source.token);
        } finally {
          forward.dispose();
          if (this.running === source) this.running = undefined;
          source.dispose();
        }
      },
    );
  }

  private async scan(source: AnalysisSettingsSource, progress: Progress, token: vscode.CancellationToken): Promise<ScanOutcome> {
    const settings = perFolder(source);
    const outcome: ScanOutcome = { filesScanned: 0, filesWithFindings: 0, findings: 0, skipped: {}, cancelled: false };
    const skip = (reason: string, uri: vscode.Uri): void => {
      outcome.skipped[reason] = (outcome.skipped[reason] ?? 0) + 1;
      this.log.info(`Analyze Workspace skipped ${uri.fsPath || uri.toString()} (${reason})`);
    };
    const started = Date.now();
    progress.report({ message: vscode.l10n.t('finding files…') });
    const { uris, truncated } = await findWorkspaceFiles(settings, token);
    for (const folder of truncated) this.log.warn(`Analyze Workspace: ${folder} has more matching files than it lists; the rest were not analysed`);

    const files = await this.readAll(uris, progress, token, skip);
    const seenNow = new Set<string>();
    const taughtNow = new Map<string, { family: LanguageFamily; learned: Learned }>();
    let analysed = 0;
    // Each chunk is analysed alone; what every file states of itself (which pool library, which
    // database URLs) decides for all of them what the workspace's pools are.
    const facts = (await loadAnalyzer()).factsOf(files);
    const summaries: AnalyzerOptions['summaries'] = {};
    for (const [family, list] of Object.entries(facts) as [LanguageFamily, string[]][]) summaries[family] = { acquires: [], releases: [], facts: list };
    const withFacts = (folder: AnalysisSettings): AnalyzerOptions => (Object.keys(summaries).length > 0 ? { ...folder.options, summaries } : folder.options);
    for await (const { members, results } of this.groupResults(files, settings, withFacts, token)) {
      progress.report({ message: vscode.l10n.t('{0}/{1} files', analysed, files.length) });
      if (!results) {
        for (const file of members) skip('analyser-error', file.uri);
        analysed += members.length;
        continue;
      }
      const entries: [vscode.Uri, Finding[]][] = [];
      members.forEach((file, index) => {
        const result = results[index];
        seenNow.add(file.uri.toString());
        this.learnSql(file.uri.toString(), file.text, result);
        if (result?.teaches) taughtNow.set(file.uri.toString(), { family: familyOf(file.language), learned: result.teaches });
        if (result?.skipped) skip(result.skipped, file.uri);
        else outcome.filesScanned++;
        const findings = shownFindings(result?.findings ?? [], settings(file.uri).rules);
        // The editor moved on while we analysed: the open-document analysis owns that file's diagnostics.
        if (file.version !== undefined && openDocument(file.uri)?.version !== file.version) return;
        entries.push([file.uri, findings]);
        if (findings.length > 0) {
          outcome.filesWithFindings++;
          outcome.findings += findings.length;
        }
      });
      this.diagnostics.setMany(entries);
      this.sqlChanged.fire();
      for (const key of seenNow) this.scanned.add(key);
      analysed += members.length;
      progress.report({ increment: ((100 - READ_SHARE) * members.length) / Math.max(files.length, 1), message: vscode.l10n.t('{0}/{1} files', analysed, files.length) });
    }
    outcome.cancelled = token.isCancellationRequested;
    if (!outcome.cancelled) {
      this.forgetFilesNoLongerScanned(seenNow);
      const before = describeTeachings(this.teachings);
      this.teachings = taughtNow;
      if (describeTeachings(taughtNow) !== before) this.summariesChanged.fire();
    }
    const skippedCount = Object.values(outcome.skipped).reduce((a, b) => a + b, 0);
    this.log.info(
      `Analyze Workspace ${outcome.cancelled ? 'cancelled' : 'finished'} in ${Date.now() - started} ms: ${outcome.findings} findings in ${outcome.filesWithFindings} files, ` +
        `${outcome.filesScanned} files scanned, ${skippedCount} skipped${skippedCount ? ` (${describeCounts(outcome.skipped)})` : ''}`,
    );
    return outcome;
  }

  /**
   * Brings the last scan up to date after files changed outside the editor (closedFileWatcher.ts): the
   * changed files the scan's listing still has are analysed again, in chunks, with what the other files
   * teach; files it no longer lists are forgotten with their diagnostics. When that changes what a
   * helper teaches, the closed files that mention it are analysed again too. Open files are left to the
   * open-document analysis. Undefined when there is no scan to update, a scan is running, or one
   * started meanwhile (it reads every file again).
   */
  async refresh(changes: PendingChanges, settings: AnalysisSettingsSource): Promise<RefreshOutcome | undefined> {
    if (!this.hasScanned || this.running) return undefined;
    this.refreshing?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.refreshing = source;
    try {
      return await this.refreshWith(changes, settings, source.token);
    } finally {
      if (this.refreshing === source) this.refreshing = undefined;
      source.dispose();
    }
  }

  private async refreshWith(changes: PendingChanges, source: AnalysisSettingsSource, token: vscode.CancellationToken): Promise<RefreshOutcome | undefined> {
    const settings = perFolder(source);
    const started = Date.now();
    const outcome: RefreshOutcome = { analysed: 0, forgotten: 0, callers: 0, chunks: 0 };
    // Only helper names changed (by an open file, relearn): no file to list.
    const { uris } = changes.files.size + changes.trees.size > 0 ? await findWorkspaceFiles(settings, token) : { uris: [] };
    if (token.isCancellationRequested) return undefined;
    const listed = new Map(uris.map((uri) => [uri.toString(), uri]));
    const plan = planRefresh(changes, this.scanned, [...listed.keys()], (key) => openDocument(vscode.Uri.parse(key)) !== undefined);
    const unreadable: string[] = [];
    const files = await this.readAll(
      plan.analyse.flatMap((key) => listed.get(key) ?? []),
      NO_PROGRESS,
      token,
      (reason, uri) => {
        unreadable.push(uri.toString());
        this.log.info(`Updating closed files skipped ${uri.fsPath || uri.toString()} (${reason})`);
      },
    );
    const before = new Map(this.teachings);
    const analysed = await this.analyseClosed(files, settings, token, outcome);
    if (!analysed) return undefined;
    for (const key of [...plan.gone, ...unreadable]) {
      this.scanned.delete(key);
      this.teachings.delete(key);
      this.forgetSql(key);
    }
    const forgotten = [...plan.gone, ...unreadable].map((key) => vscode.Uri.parse(key)).filter((uri) => !openDocument(uri));
    this.diagnostics.setMany(forgotten.map((uri) => [uri, []]));
    outcome.analysed = analysed.size;
    outcome.forgotten = forgotten.length;

    const names = [...new Set([...changedHelperNames(taughtNames(before), taughtNames(this.teachings)), ...(changes.helpers ?? [])])].sort();
    if (names.length > 0) {
      const mentions = mentionsAnyName(names);
      const others = [...this.scanned].filter((key) => !analysed.has(key)).map((key) => vscode.Uri.parse(key));
      const callers = (await this.readAll(others, NO_PROGRESS, token, () => undefined)).filter((file) => mentions(file.text));
      outcome.callers = (await this.analyseClosed(callers, settings, token, outcome))?.size ?? 0;
    }
    if (describeTeachings(this.teachings) !== describeTeachings(before)) this.summariesChanged.fire();
    this.log.info(
      `Updated closed files after changes on disk in ${Date.now() - started} ms: ${outcome.analysed} analysed again, ${outcome.forgotten} forgotten, ` +
        `${outcome.callers} callers of changed helpers (${names.join(', ') || 'none'}) analysed again, ${outcome.chunks} chunks`,
    );
    return token.isCancellationRequested ? undefined : outcome;
  }

  /**
   * Analyses files that are not open with what the other scanned files teach, sets their diagnostics
   * and records them as scanned with what they teach now. The keys analysed, or undefined when cancelled.
   */
  private async analyseClosed(files: readonly ScannedFile[], settings: AnalysisSettingsSource, token: vscode.CancellationToken, outcome: RefreshOutcome): Promise<Set<string> | undefined> {
    const closed = files.filter((file) => file.version === undefined);
    const keys = new Set(closed.map((file) => file.uri.toString()));
    const summaries = this.summariesExcept(keys);
    for await (const { members, results } of this.groupResults(closed, settings, (folder) => ({ ...folder.options, summaries }), token)) {
      outcome.chunks++;
      const entries: [vscode.Uri, Finding[]][] = [];
      members.forEach((file, index) => {
        const key = file.uri.toString();
        const result = results?.[index];
        if (result?.teaches) this.teachings.set(key, { family: familyOf(file.language), learned: result.teaches });
        else this.teachings.delete(key);
        this.learnSql(key, file.text, result);
        this.scanned.add(key);
        // Opened while it was analysed: the open-document analysis has it now.
        if (!openDocument(file.uri)) entries.push([file.uri, shownFindings(result?.findings ?? [], settings(file.uri).rules)]);
      });
      this.diagnostics.setMany(entries);
      this.sqlChanged.fire();
    }
    return token.isCancellationRequested ? undefined : keys;
  }

  /**
   * chunkResults for each group of `files` whose folders share one catalogue (the acquire/release
   * settings), each with that catalogue: in a multi-root workspace each folder may name its own.
   */
  private async *groupResults(
    files: readonly ScannedFile[],
    settings: AnalysisSettingsSource,
    optionsFor: (folder: AnalysisSettings) => AnalyzerOptions,
    token: vscode.CancellationToken,
  ): AsyncGenerator<{ members: ScannedFile[]; results: FileResult[] | undefined }> {
    for (const group of groupByCatalogue(files, settings)) {
      yield* this.chunkResults(group.items, group.settings, optionsFor(group.settings), token);
    }
  }

  /**
   * Analyses `files` chunk by chunk, yielding to the extension host between chunks, and gives each
   * chunk's results (undefined when the analyser failed on it; logged). Stops without giving a chunk
   * whose analysis ended after `token` was cancelled: a newer run's results must not be overwritten.
   */
  private async *chunkResults(files: readonly ScannedFile[], settings: AnalysisSettings, options: AnalyzerOptions, token: vscode.CancellationToken): AsyncGenerator<{ members: ScannedFile[]; results: FileResult[] | undefined }> {
    const extraCalls = [...(settings.options.acquire ?? []).flatMap((a) => [a.call, a.release ?? '']), ...(settings.options.release ?? []).map((r) => r.call)];
    const mayDefineSummaries = summaryCandidateTest(extraCalls);
    for (const chunk of planChunks(files, (f) => mayDefineSummaries(f.text))) {
      if (token.isCancellationRequested) return;
      // Let cancellation, typing and other extensions through between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (token.isCancellationRequested) return;
      let results: FileResult[] | undefined;
      try {
        results = await (await loadAnalyzer()).analyzeWorkspace([...chunk.members, ...chunk.context], { ...options, sqlSites: true });
      } catch (err) {
        this.log.error(`Analysing ${chunk.members.length} files from ${chunk.members[0]?.path ?? '?'} failed`, err);
      }
      if (token.isCancellationRequested) return;
      yield { members: chunk.members, results };
    }
  }

  private async readAll(uris: readonly vscode.Uri[], progress: Progress, token: vscode.CancellationToken, skip: (reason: string, uri: vscode.Uri) => void): Promise<ScannedFile[]> {
    const files: ScannedFile[] = [];
    for (let start = 0; start < uris.length && !token.isCancellationRequested; start += READ_BATCH) {
      const batch = uris.slice(start, start + READ_BATCH);
      const read = await Promise.all(
        batch.map((uri) =>
          readSource(uri).catch((err: unknown) => {
            this.log.warn(`Analyze Workspace could not read ${uri.fsPath || uri.toString()}: ${err instanceof Error ? err.message : String(err)}`);
            return 'unreadable';
          }),
        ),
      );
      read.forEach((file, index) => {
        if (typeof file === 'string') skip(file, batch[index] as vscode.Uri);
        else files.push(file);
      });
      progress.report({ increment: (READ_SHARE * batch.length) / uris.length, message: vscode.l10n.t('reading {0}/{1} files', Math.min(start + READ_BATCH, uris.length), uris.length) });
    }
    return files;
  }

  /** Files the previous scan reported on that this one no longer lists (deleted, now excluded). */
  private forgetFilesNoLongerScanned(seenNow: ReadonlySet<string>): void {
    const gone: vscode.Uri[] = [];
    for (const key of this.scanned) {
      if (seenNow.has(key)) continue;
      this.forgetSql(key);
      const uri = vscode.Uri.parse(key);
      if (!openDocument(uri)) gone.push(uri);
    }
    this.scanned = new Set(seenNow);
    this.diagnostics.setMany(gone.map((uri) => [uri, []]));
  }

  dispose(): void {
    this.running?.cancel();
    this.refreshing?.cancel();
    this.summariesChanged.dispose();
    this.sqlChanged.dispose();
  }
}

function releaseId(spec: ReleaseSpec): string {
  return `release:${spec.method}:${spec.kind === 'call' ? spec.argument : ''}`;
}

function taughtNames(teachings: ReadonlyMap<string, { family: LanguageFamily; learned: Learned }>): TaughtNames[] {
  return [...teachings.values()].map(({ family, learned }) => ({
    family,
    acquires: learned.acquires.map((a) => ({ id: a.id, method: a.method })),
    releases: learned.releases.map((r) => ({ id: releaseId(r), method: r.method })),
  }));
}

/** Which file teaches which names: what decides whether open documents need analysing again. */
function describeTeachings(teachings: ReadonlyMap<string, { family: LanguageFamily; learned: Learned }>): string {
  return JSON.stringify(
    [...teachings]
      .map(([key, { learned }]) => [key, learned.acquires.map((a) => a.id), learned.releases.map(releaseId), learned.facts ?? []])
      .sort(),
  );
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === key);
}

/** The file's text (an open editor's, which may be unsaved, wins over the disk), or why it is skipped. */
async function readSource(uri: vscode.Uri): Promise<ScannedFile | string> {
  const language: LanguageId | undefined = languageForPath(uri.path);
  if (!language) return 'not-source';
  const open = openDocument(uri);
  if (open) return { uri, path: uri.fsPath, text: open.getText(), language, version: open.version };
  const bytes = await vscode.workspace.fs.readFile(uri);
  // UTF-8 needs at most 4 bytes a character: beyond this even the analyser's limit is certainly passed.
  if (bytes.byteLength > MAX_FILE_CHARS * 4) return 'too-large';
  return { uri, path: uri.fsPath, text: new TextDecoder('utf-8').decode(bytes), language };
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
}
