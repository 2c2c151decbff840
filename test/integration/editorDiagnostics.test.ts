// The analyser as a user meets it in the editor: open a file, see the squiggle at the acquire with a
// link to the rule, fix the code and watch it go. Runs in a real extension host (see launch.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pgDiagnostics, waitFor as waitUntil } from './diagnosticsHelpers';

const waitFor = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);



/** Polls until `probe` gives something truthy; the deadline only bounds a failure, it is not a sleep. */
function ruleOf(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : undefined;
}

function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, ...relative.split('/'));
}

/** 0-based line of the first line containing `text` after the line containing `after`. */
function lineOf(document: vscode.TextDocument, text: string, after: string): number {
  const lines = document.getText().split('\n');
  const start = lines.findIndex((l) => l.includes(after));
  const line = lines.findIndex((l, i) => i > start && l.includes(text));
  assert.ok(start >= 0 && line >= 0, `"${text}" after "${after}" is in ${document.uri.path}`);
  return line;
}

/**
 * Opens the file as a user does (Quick Open, Explorer). workspace.openTextDocument would keep the
 * document alive in the extension host for minutes after its editor closes, so "close" never comes.
 */
async function openInEditor(relative: string): Promise<vscode.TextDocument> {
  const uri = workspaceFile(relative);
  await vscode.commands.executeCommand('vscode.open', uri);
  return waitFor(`an editor on ${relative}`, () => {
    const document = vscode.window.activeTextEditor?.document;
    return document?.uri.toString() === uri.toString() && document;
  });
}

async function replaceAll(document: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the edit applies');
}

async function closeAllEditors(): Promise<void> {
  // Tests edit fixture files without saving; reverting keeps the workspace as the fixture has it.
  for (const editor of vscode.window.visibleTextEditors) {
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('analyser diagnostics in the editor', () => {
  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
  });

  afterEach(closeAllEditors);

  it('opening a leaky file shows release-not-guaranteed at the acquire of countOrders, linked to the rule page, and nothing for listOrders', async () => {
    const document = await openInEditor('src/orders.js');
    const diagnostics = await waitFor('a pg-health diagnostic on src/orders.js', () => pgDiagnostics(document.uri).length > 0 && pgDiagnostics(document.uri));

    assert.equal(diagnostics.length, 1, `one finding, got: ${diagnostics.map((d) => `${d.range.start.line}: ${d.message}`).join(' | ')}`);
    const [diagnostic] = diagnostics as [vscode.Diagnostic];
    const acquireLine = lineOf(document, 'pool.connect()', 'async function countOrders');
    assert.equal(diagnostic.range.start.line, acquireLine, 'the diagnostic sits on the acquire line of countOrders');
    assert.equal(document.getText(diagnostic.range), 'pool.connect()', 'it underlines the acquire call');
    assert.equal(ruleOf(diagnostic), 'release-not-guaranteed');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(typeof diagnostic.code === 'object' && diagnostic.code.target.path.endsWith('/docs/rules/release-not-guaranteed.md'), 'the code links to the rule page');
    assert.match(diagnostic.message, /client\.query/, 'the message names the call that may throw');
    assert.ok((diagnostic.relatedInformation ?? []).some((r) => r.location.range.start.line === acquireLine + 1), 'related information points at the throwing query');

    const listOrdersStart = lineOf(document, 'pool.connect()', 'async function listOrders');
    assert.ok(diagnostics.every((d) => d.range.start.line < listOrdersStart - 2), 'listOrders (release in finally) is not reported');
  });

  it('wrapping the query in try/finally clears the diagnostic once typing stops, and undoing the fix brings it back', async () => {
    const document = await openInEditor('src/orders.js');
    await waitFor('the finding on countOrders', () => pgDiagnostics(document.uri).length === 1);
    const leaky = document.getText();
    const fixed = leaky.replace(
      /(const client = await pool\.connect\(\);\n)(\s+const result = await client\.query\('SELECT count[^\n]*\n)\s+client\.release\(\);\n(\s+return Number[^\n]*\n)/,
      '$1  try {\n  $2  $3  } finally {\n    client.release();\n  }\n',
    );
    assert.notEqual(fixed, leaky, 'the fixture still has the leaky countOrders the test rewrites');

    // Type the fix in several edits, as a person would: only the last text may count.
    const half = fixed.slice(0, fixed.indexOf('} finally {'));
    await replaceAll(document, half);
    await replaceAll(document, fixed);
    await waitFor('the diagnostic to clear after the fix', () => pgDiagnostics(document.uri).length === 0);

    await replaceAll(document, leaky);
    await waitFor('the diagnostic to come back when the fix is undone', () => pgDiagnostics(document.uri).length === 1);
  });

  it('closing a file no workspace scan reported on clears its diagnostics', async () => {
    const document = await openInEditor('src/orders.js');
    await waitFor('the finding on countOrders', () => pgDiagnostics(document.uri).length === 1);
    await closeAllEditors();
    await waitFor('the diagnostics of the closed file to clear', () => pgDiagnostics(document.uri).length === 0);
  });

  it('reports Python too: src/reports.py leaks the psycopg2 connection when the query raises', async () => {
    const document = await openInEditor('src/reports.py');
    const [diagnostic] = await waitFor('a pg-health diagnostic on src/reports.py', () => pgDiagnostics(document.uri).length > 0 && pgDiagnostics(document.uri));
    assert.ok(diagnostic);
    assert.equal(ruleOf(diagnostic), 'release-not-guaranteed');
    assert.equal(diagnostic.range.start.line, lineOf(document, 'pool.getconn()', 'def monthly_total'));
  });

  it('a file that does not parse gets no diagnostic and does not stop the analyser', async () => {
    const document = await openInEditor('src/broken.js');
    const broken = document.getText();
    const repaired = broken.replace('[id];', '[id]);');
    assert.notEqual(repaired, broken, 'the fixture has the unclosed call the test repairs');

    // Repairing the syntax makes the leak visible: the analyser ran on this file and is still alive.
    await replaceAll(document, repaired);
    await waitFor('a finding once the file parses', () => pgDiagnostics(document.uri).length === 1);
    // Breaking it again must take the finding away rather than keep or invent one.
    await replaceAll(document, broken);
    await waitFor('no finding while the file does not parse', () => pgDiagnostics(document.uri).length === 0);
  });

  it('pgHealth.analysis.enable = false clears the diagnostics, and turning it back on restores them', async () => {
    const document = await openInEditor('src/orders.js');
    await waitFor('the finding on countOrders', () => pgDiagnostics(document.uri).length === 1);
    const config = vscode.workspace.getConfiguration('pgHealth.analysis');
    try {
      await config.update('enable', false, vscode.ConfigurationTarget.Workspace);
      await waitFor('diagnostics to clear while analysis is off', () => pgDiagnostics(document.uri).length === 0);
    } finally {
      await config.update('enable', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the finding to return when analysis is back on', () => pgDiagnostics(document.uri).length === 1);
  });

  it('pgHealth.analysis.rules sets a rule to information, or off, and back', async () => {
    const document = await openInEditor('src/orders.js');
    const [before] = await waitFor('the finding on countOrders', () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
    assert.equal(before?.severity, vscode.DiagnosticSeverity.Warning, 'release-not-guaranteed is a warning by default');
    const config = vscode.workspace.getConfiguration('pgHealth.analysis');
    try {
      await config.update('rules', { 'release-not-guaranteed': 'information' }, vscode.ConfigurationTarget.Workspace);
      await waitFor('the finding as information', () => pgDiagnostics(document.uri)[0]?.severity === vscode.DiagnosticSeverity.Information);
      await config.update('rules', { 'release-not-guaranteed': 'off' }, vscode.ConfigurationTarget.Workspace);
      await waitFor('no finding while the rule is off', () => pgDiagnostics(document.uri).length === 0);
    } finally {
      await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const [after] = await waitFor('the finding back as a warning', () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
    assert.equal(after?.severity, vscode.DiagnosticSeverity.Warning);
  });

  it('pgHealth.analysis.acquire adds a driver API: db.checkout() without release is reported', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'javascript',
      content: "async function load(db) {\n  const conn = await db.checkout();\n  return (await conn.query('SELECT 1')).rows;\n}\n",
    });
    await vscode.window.showTextDocument(document);
    // Without the setting db.checkout() means nothing to the analyser; the last step shows the
    // finding leaves with the setting.
    const config = vscode.workspace.getConfiguration('pgHealth.analysis');
    try {
      await config.update('acquire', [{ language: 'javascript', call: 'db.checkout', release: 'release' }], vscode.ConfigurationTarget.Global);
      const [diagnostic] = await waitFor('a finding for the configured acquire API', () => pgDiagnostics(document.uri).length > 0 && pgDiagnostics(document.uri));
      assert.ok(diagnostic);
      assert.equal(diagnostic.range.start.line, 1);
      assert.equal(ruleOf(diagnostic), 'unreleased-client');
    } finally {
      await config.update('acquire', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the finding to go with the setting', () => pgDiagnostics(document.uri).length === 0);
  });
});
