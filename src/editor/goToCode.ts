// "Go to Code" on a session: the places in the workspace whose SQL is the session's last query, best
// first, opened at the line; and where the workspace sets the session's application_name. The SQL
// comes from the last Analyze Workspace (kept up to date as files change on disk and are saved).
import * as vscode from 'vscode';
import type { ApplicationNameSite } from '../analysis/sql/applicationNames';
import { applicationNameSites } from '../analysis/sql/applicationNames';
import type { CodeMatch } from '../analysis/sql/sqlIndex';
import type { Session } from '../postgres/snapshot';
import { ANALYZE_WORKSPACE_COMMAND } from './analyzeWorkspaceCommand';
import type { WorkspaceScanner } from './workspaceScan';

export const GO_TO_CODE_COMMAND = 'pgHealth.goToCode';

/** pg_stat_activity keeps track_activity_query_size − 1 bytes of a query (1024 by default): a text this long was cut. */
const CUT_AT_BYTES = 1023;

export interface CodePlace {
  uri: vscode.Uri;
  range: vscode.Range;
  /** What the quick pick shows. */
  label: string;
  description: string;
  detail: string;
}

/** The session's query as pg_stat_activity shows it, or why there is none to look up. */
export function lookupText(session: Session): { query: string } | { reason: string } {
  const query = session.query?.trim() ?? '';
  if (!session.visible || query === '<insufficient privilege>') {
    return { reason: vscode.l10n.t("The monitor's role may not see this session's query; grant it pg_read_all_stats (or pg_monitor) to look the query up in the code.") };
  }
  if (query === '') return { reason: vscode.l10n.t('Session {0} has sent no query yet.', session.pid) };
  return { query };
}

/** `jobs/invoice-job.js:9`: a file of the workspace and a 0-based line, as the user reads them. */
export function placeOf(uri: vscode.Uri, line: number): string {
  return `${vscode.workspace.asRelativePath(uri)}:${line + 1}`;
}

export function isCutOff(query: string): boolean {
  return Buffer.byteLength(query, 'utf8') >= CUT_AT_BYTES;
}

/** The places for `session`: SQL matches best first, then where its application_name is set. */
export async function codePlacesFor(session: Session, scanner: WorkspaceScanner): Promise<CodePlace[]> {
  const lookup = lookupText(session);
  const places: CodePlace[] = [];
  if ('query' in lookup) {
    for (const match of scanner.sql.match(lookup.query, { truncated: isCutOff(lookup.query) })) places.push(sqlPlace(match));
  }
  if (session.application) {
    const name = session.application;
    for (const { file, site } of scanner.applicationNameSitesOf(name)) places.push(applicationPlace(vscode.Uri.parse(file), site));
    for (const place of await envFilePlaces(name)) places.push(place);
  }
  return places;
}

function sqlPlace(match: CodeMatch): CodePlace {
  const uri = vscode.Uri.parse(match.site.file);
  const r = match.site.range;
  const where = placeOf(uri, r.startLine);
  const how =
    match.kind === 'exact'
      ? vscode.l10n.t('sends this statement')
      : match.kind === 'pattern'
        ? vscode.l10n.t('sends this statement with text filled in at run time')
        : vscode.l10n.t('sends a statement that starts like this cut-off query');
  return {
    uri,
    range: new vscode.Range(r.startLine, r.startColumn, r.endLine, r.endColumn),
    label: `$(code) ${where}`,
    description: [match.site.functionName ? vscode.l10n.t('in {0}', match.site.functionName) : '', match.site.api ?? '', how].filter(Boolean).join(' · '),
    detail: match.site.text,
  };
}

function applicationPlace(uri: vscode.Uri, site: ApplicationNameSite): CodePlace {
  return {
    uri,
    range: new vscode.Range(site.line, site.column, site.line, site.column + site.name.length),
    label: `$(symbol-key) ${placeOf(uri, site.line)}`,
    description: vscode.l10n.t('sets application_name {0}', site.name),
    detail: '',
  };
}

/** .env files are not analysed: they are read when asked (PGAPPNAME, or application_name in a URL). */
async function envFilePlaces(name: string): Promise<CodePlace[]> {
  const uris = await vscode.workspace.findFiles('**/.env*', '**/node_modules/**', 50);
  const places: CodePlace[] = [];
  for (const uri of uris) {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    for (const site of applicationNameSites(text)) if (site.name === name) places.push(applicationPlace(uri, site));
  }
  return places;
}

async function open(place: CodePlace): Promise<void> {
  // The cursor at the start of the call (a multi-line selection would put it at the end).
  const editor = await vscode.window.showTextDocument(place.uri, { selection: new vscode.Range(place.range.start, place.range.start), preview: true });
  editor.revealRange(place.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The command: asks for Analyze Workspace first when there is no scan, opens the one place or offers them all. */
export async function goToCode(session: Session, database: string, scanner: WorkspaceScanner): Promise<CodePlace[] | undefined> {
  const lookup = lookupText(session);
  if ('reason' in lookup && !session.application) {
    void vscode.window.showInformationMessage(lookup.reason);
    return undefined;
  }
  if (!scanner.hasScanned) {
    const analyse = vscode.l10n.t('Analyze Workspace');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Go to Code looks the session\'s query up in the SQL of the workspace, which Analyze Workspace reads. Analyze the workspace now?'),
      analyse,
    );
    if (choice !== analyse) return undefined;
    await vscode.commands.executeCommand(ANALYZE_WORKSPACE_COMMAND);
    if (!scanner.hasScanned) return undefined;
  }
  const places = await codePlacesFor(session, scanner);
  if (places.length === 0) {
    const what = 'query' in lookup ? lookup.query.replace(/\s+/g, ' ').slice(0, 120) : '';
    void vscode.window.showInformationMessage(
      session.application
        ? vscode.l10n.t('No code in the workspace sends the last query of session {0} ({1}), nor sets application_name {2}: {3}', session.pid, database, session.application, what)
        : vscode.l10n.t('No code in the workspace sends the last query of session {0} ({1}): {2}', session.pid, database, what),
    );
    return places;
  }
  if (places.length === 1) {
    await open(places[0] as CodePlace);
    return places;
  }
  const picked = await vscode.window.showQuickPick(
    places.map((place) => ({ ...place, place })),
    {
      title: vscode.l10n.t('Code that sent the last query of session {0} on {1}', session.pid, database),
      placeHolder: 'query' in lookup ? lookup.query.replace(/\s+/g, ' ').slice(0, 200) : session.application ?? '',
      matchOnDescription: true,
      matchOnDetail: true,
    },
  );
  if (picked) await open(picked.place);
  return places;
}
