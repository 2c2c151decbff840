// Once Analyze Workspace has run, the diagnostics of files that are not open follow the disk: files
// changed, created, deleted or renamed outside the editor (a branch switch, `git pull`, a formatter in
// a terminal) or in the explorer. Changes are collected and debounced, so a branch switch touching 500
// files is one update (WorkspaceScanner.refresh: one listing, the scan's chunks), never a run per file.
// Before the first scan nothing is watched: only open files have diagnostics then.
import * as vscode from 'vscode';
import { languageForPath } from '../analysis/languages';
import { analysisEnabledAnywhere, type AnalysisSettingsSource } from './analysisSettings';
import type { FeatureLog } from './featureLog';
import type { RefreshOutcome, WorkspaceScanner } from './workspaceScan';
import { SOURCE_FILES_GLOB } from './workspaceFiles';

/** Quiet this long after the last change before updating: a checkout writes its files within it. */
export const CLOSED_FILES_DEBOUNCE_MS = 1000;
/** A steady stream of writes (a build in watch mode) is still taken in this often. */
const MAX_WAIT_MS = 5000;
/** Updates kept for closedFileUpdates(). */
const HISTORY = 50;

/** VCS internals and dependencies change all the time and are never listed: not worth a listing. */
const QUIET_PATH = /\/(?:\.git|\.hg|node_modules|bower_components|site-packages|__pycache__)(?:\/|$)/;

export class ClosedFileWatcher implements vscode.Disposable {
  private readonly watchers: vscode.Disposable[] = [];
  private files = new Set<string>();
  private trees = new Set<string>();
  private helpers = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstPendingAt: number | undefined;
  private updating = false;
  private readonly updates: RefreshOutcome[] = [];

  constructor(
    private readonly scanner: WorkspaceScanner,
    private readonly settings: AnalysisSettingsSource,
    private readonly log: FeatureLog,
    /** An open file whose file changed on disk: VS Code reloads it; what it teaches is learned again as after a save. */
    private readonly openFileChanged: (document: vscode.TextDocument) => void,
  ) {}

  /** Starts watching; called once a scan has run, later calls do nothing. */
  start(): void {
    if (this.watchers.length > 0) return;
    const sources = vscode.workspace.createFileSystemWatcher(SOURCE_FILES_GLOB);
    // Folders come and go as a whole (`mv`, `rm -r`): no event names the source files inside them.
    const paths = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    const gitignores = vscode.workspace.createFileSystemWatcher('**/.gitignore');
    this.watchers.push(
      sources,
      paths,
      gitignores,
      sources.onDidCreate((uri) => this.sourceChanged(uri, false)),
      sources.onDidChange((uri) => this.sourceChanged(uri, false)),
      sources.onDidDelete((uri) => this.sourceChanged(uri, true)),
      paths.onDidCreate((uri) => void this.pathCreated(uri)),
      paths.onDidDelete((uri) => this.pathDeleted(uri)),
      gitignores.onDidCreate((uri) => this.gitignoreChanged(uri)),
      gitignores.onDidChange((uri) => this.gitignoreChanged(uri)),
      gitignores.onDidDelete((uri) => this.gitignoreChanged(uri)),
    );
  }

  /** A file or folder created, deleted or renamed through VS Code (explorer, refactorings). */
  touched(uri: vscode.Uri): void {
    if (!this.scanner.hasScanned) return;
    this.trees.add(uri.toString());
    this.schedule();
  }

  /** Helper names an open file changed (relearn): the closed files that call them are analysed again. */
  helpersChanged(names: readonly string[]): void {
    if (!this.scanner.hasScanned || names.length === 0) return;
    for (const name of names) this.helpers.add(name);
    this.schedule();
  }

  /** Drops changes not yet taken in (analysis turned off). */
  clearPending(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstPendingAt = undefined;
    this.files.clear();
    this.trees.clear();
    this.helpers.clear();
  }

  /** The latest updates, oldest first: what a burst of changes cost (for tests and troubleshooting). */
  closedFileUpdates(): RefreshOutcome[] {
    return [...this.updates];
  }

  private sourceChanged(uri: vscode.Uri, deleted: boolean): void {
    if (!this.scanner.hasScanned || QUIET_PATH.test(uri.path) || !languageForPath(uri.path)) return;
    // The open-document analysis has an open file's diagnostics (a save lands here too).
    const open = deleted ? undefined : openDocument(uri);
    if (open) {
      if (!open.isDirty) this.openFileChanged(open);
      return;
    }
    this.files.add(uri.toString());
    this.schedule();
  }

  private async pathCreated(uri: vscode.Uri): Promise<void> {
    if (!this.scanner.hasScanned || QUIET_PATH.test(uri.path) || languageForPath(uri.path)) return;
    try {
      if ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) this.touched(uri);
    } catch {
      // gone again already: its delete event follows
    }
  }

  private pathDeleted(uri: vscode.Uri): void {
    if (!this.scanner.hasScanned || QUIET_PATH.test(uri.path) || languageForPath(uri.path)) return;
    if (this.scanner.hasScannedBelow(uri)) this.touched(uri);
  }

  /** The scan reads each workspace folder's root .gitignore: a change there may list or unlist any file. */
  private gitignoreChanged(uri: vscode.Uri): void {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder && vscode.Uri.joinPath(folder.uri, '.gitignore').toString() === uri.toString()) this.touched(folder.uri);
  }

  private schedule(): void {
    const now = Date.now();
    this.firstPendingAt ??= now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(CLOSED_FILES_DEBOUNCE_MS, this.firstPendingAt + MAX_WAIT_MS - now)));
  }

  private flush(): void {
    this.timer = undefined;
    // One update at a time, and none during a scan (it may have read a file before it changed).
    if (this.updating || this.scanner.isScanning) {
      this.timer = setTimeout(() => this.flush(), CLOSED_FILES_DEBOUNCE_MS);
      return;
    }
    const changes = { files: this.files, trees: this.trees, helpers: this.helpers };
    this.files = new Set();
    this.trees = new Set();
    this.helpers = new Set();
    this.firstPendingAt = undefined;
    if (!analysisEnabledAnywhere(this.settings) || !this.scanner.hasScanned || changes.files.size + changes.trees.size + changes.helpers.size === 0) return;
    this.updating = true;
    this.scanner
      .refresh(changes, this.settings)
      .then(
        (outcome) => {
          if (!outcome) return;
          this.updates.push(outcome);
          if (this.updates.length > HISTORY) this.updates.shift();
        },
        (err: unknown) => this.log.error('Updating the diagnostics of changed files failed', err),
      )
      .finally(() => {
        this.updating = false;
      });
  }

  dispose(): void {
    this.clearPending();
    for (const d of this.watchers) d.dispose();
    this.watchers.length = 0;
  }
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === key);
}
