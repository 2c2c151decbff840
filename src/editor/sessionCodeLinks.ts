// Leaks linked both ways: an idle (or idle-in-transaction) session whose last query comes from a
// function with a leak finding is marked in the tree and the dashboard, and that finding's hover says
// how many sessions on which database are in that state now. Links come from the last Analyze
// Workspace's SQL index and the diagnostics shown now.
import * as vscode from 'vscode';
import { holdsIdle, leakLink, type LeakLink } from '../analysis/sql/links';
import type { Finding } from '../analysis/findings';
import type { Session } from '../postgres/snapshot';
import type { DatabaseState } from '../postgres/store';
import type { AnalysisDiagnostics } from './analysisDiagnostics';
import { isCutOff, lookupText, placeOf } from './goToCode';
import type { WorkspaceScanner } from './workspaceScan';

/** Distinct queries remembered between changes of the index; past this the memory starts over. */
const MAX_CACHED = 5_000;

export class SessionCodeLinks implements vscode.Disposable {
  private readonly cache = new Map<string, LeakLink | null>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when links may have changed (a scan, an update after changes on disk, new diagnostics). */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly scanner: WorkspaceScanner,
    private readonly diagnostics: AnalysisDiagnostics,
  ) {
    const stale = (): void => {
      this.cache.clear();
      // A scan changes both many times over: tell listeners once it settles.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.changed.fire(), 300);
    };
    this.subscriptions = [scanner.onDidChangeSql(stale), diagnostics.onDidChange(stale)];
  }

  /** The leak behind `session`'s last query, when it holds its connection idle and its query comes from a function with one. */
  linkFor(session: Session): LeakLink | undefined {
    if (session.isMonitor || !holdsIdle(session.state)) return undefined;
    const lookup = lookupText(session);
    if (!('query' in lookup)) return undefined;
    const cached = this.cache.get(lookup.query);
    if (cached !== undefined) return cached ?? undefined;
    const matches = this.scanner.sql.match(lookup.query, { truncated: isCutOff(lookup.query), limit: 2 });
    const link = leakLink(matches, (file) => this.diagnostics.findingsFor(vscode.Uri.parse(file)));
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(lookup.query, link ?? null);
    return link;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** `jobs/invoice-job.js:9`. */
export function linkPlace(link: LeakLink): string {
  return placeOf(vscode.Uri.parse(link.file), link.line);
}

/** What the finding means for a session, in a few words. */
export function leakPhrase(finding: Finding): string {
  return finding.rule === 'unreleased-client'
    ? vscode.l10n.t('where the client is never released')
    : vscode.l10n.t('where the client is not released on every path');
}

/** "last query from jobs/invoice-job.js:9, where the client is not released on every path". */
export function describeLink(link: LeakLink): string {
  return vscode.l10n.t('last query from {0}, {1}', linkPlace(link), leakPhrase(link.finding));
}

/** On a leak finding: the sessions that hold a connection now with their last query from its function. */
export class LeakSessionsHover implements vscode.HoverProvider {
  constructor(
    private readonly links: SessionCodeLinks,
    private readonly diagnostics: AnalysisDiagnostics,
    private readonly databases: () => readonly DatabaseState[],
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const findings = this.diagnostics.findingsFor(document.uri).filter((f) => {
      const r = new vscode.Range(f.range.startLine, f.range.startColumn, f.range.endLine, f.range.endColumn);
      return r.contains(position) && (f.rule === 'release-not-guaranteed' || f.rule === 'unreleased-client');
    });
    if (findings.length === 0) return undefined;
    const counts = sessionsLinkedTo(findings, document.uri.toString(), this.databases(), (s) => this.links.linkFor(s));
    if (counts.length === 0) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${vscode.l10n.t('Sessions holding a connection now with their last query from this function')}**\n\n`);
    for (const c of counts) md.appendMarkdown(`- ${vscode.l10n.t('{0} on {1}: {2}', c.count, c.database, c.state)}\n`);
    return new vscode.Hover(md);
  }
}

/** Sessions per database and state whose link is one of `findings` of `file`, most first. */
export function sessionsLinkedTo(
  findings: readonly Finding[],
  file: string,
  databases: readonly DatabaseState[],
  linkFor: (s: Session) => LeakLink | undefined,
): { database: string; state: string; count: number }[] {
  const counts = new Map<string, { database: string; state: string; count: number }>();
  for (const db of databases) {
    for (const session of db.snapshot?.sessions ?? []) {
      const link = linkFor(session);
      if (!link || link.file !== file || !findings.some((f) => sameFinding(f, link.finding))) continue;
      const key = `${db.name}\u0000${session.state}`;
      const entry = counts.get(key) ?? { database: db.name, state: session.state ?? '', count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.database.localeCompare(b.database));
}

function sameFinding(a: Finding, b: Finding): boolean {
  return a === b || (a.rule === b.rule && a.range.startLine === b.range.startLine && a.range.startColumn === b.range.startColumn);
}
