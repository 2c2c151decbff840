// Quick fixes as VS Code asks for them: the lightbulb's code actions on a pg-health diagnostic, their
// edit applied to the document, and source.fixAll.pgHealth (also run by codeActionsOnSave).
// The fixture files are copied into the workspace only for these tests, so the workspace scan's
// counts in the other suites stay as the fixture workspace has them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fixturesDir } from '../support/paths';
import { pgDiagnostics, waitFor as waitUntil } from './diagnosticsHelpers';

const waitFor = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> => waitUntil(what, probe, timeoutMs);


const FIX_ALL = 'source.fixAll.pgHealth';
// Each test gets its own copy: a document edited, reverted and closed by one test is not reopened by
// the next, whose diagnostics would then depend on when VS Code lets go of the old model.
const COPIES: Record<string, string> = {
  'wrap.js': 'quickfix-demo.js',
  'wrap.py': 'quickfix_demo.py',
  'lightbulb.js': 'quickfix-demo.js',
  'elsewhere.js': 'quickfix-demo.js',
  'fix-all.js': 'quickfix-many.js',
  'on-save.js': 'quickfix-many.js',
  'disable.js': 'quickfix-demo.js',
  'wrap.go': 'quickfix_demo.go',
  'Wrap.java': 'QuickfixDemo.java',
  'Wrap.cs': 'QuickfixDemo.cs',
};

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, 'quickfix', name);
}

async function openInEditor(name: string): Promise<vscode.TextDocument> {
  const uri = workspaceFile(name);
  await vscode.commands.executeCommand('vscode.open', uri);
  return waitFor(`an editor on ${name}`, () => {
    const document = vscode.window.activeTextEditor?.document;
    return document?.uri.toString() === uri.toString() && document;
  });
}

async function codeActions(uri: vscode.Uri, range: vscode.Range, kind?: string): Promise<vscode.CodeAction[]> {
  const result = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, kind);
  return (result ?? []).filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
}

async function closeAllEditors(): Promise<void> {
  for (const editor of vscode.window.visibleTextEditors) {
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The wrap-in-try/finally action for the one pg-health diagnostic of `document`, as the lightbulb lists it. */
async function wrapAction(document: vscode.TextDocument): Promise<{ action: vscode.CodeAction; diagnostic: vscode.Diagnostic }> {
  const [diagnostic] = await waitFor(`the pg-health diagnostic on ${document.uri.path}`, () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
  assert.ok(diagnostic);
  const actions = await codeActions(document.uri, diagnostic.range);
  const action = actions.find((a) => a.title.startsWith('Wrap in try/finally'));
  assert.ok(action, `a "Wrap in try/finally" action, got: ${actions.map((a) => a.title).join(' | ')}`);
  assert.equal(action.isPreferred, true, 'it fully resolves the finding, so it is preferred');
  assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value);
  // vscode.executeCodeActionProvider does not hand back an action's `diagnostics`; the end-to-end
  // test sees the fix attached to the squiggle instead.
  assert.ok(action.edit, 'it carries its edit');
  return { action, diagnostic };
}

describe('quick fixes for pg-health diagnostics', () => {
  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
    const folder = workspaceFile('x').fsPath;
    fs.mkdirSync(path.dirname(folder), { recursive: true });
    for (const [copy, f] of Object.entries(COPIES)) fs.copyFileSync(path.join(fixturesDir, 'quickfix', f), path.join(path.dirname(folder), copy));
  });

  afterEach(closeAllEditors);

  after(() => {
    fs.rmSync(path.dirname(workspaceFile('x').fsPath), { recursive: true, force: true });
  });

  it('"Wrap in try/finally" on a JS leak is offered as the preferred fix and its edit gives the try/finally a careful engineer writes', async () => {
    const document = await openInEditor('wrap.js');
    const { action } = await wrapAction(document);
    assert.ok(await vscode.workspace.applyEdit(action.edit as vscode.WorkspaceEdit), 'the edit applies');

    // What a careful engineer writes by hand; the same file the e2e test expects.
    const expected = fs.readFileSync(path.join(fixturesDir, 'quickfix', 'quickfix-demo.fixed.js'), 'utf8');
    assert.equal(document.getText(), expected);
    await waitFor('the diagnostic to disappear after the fix', () => pgDiagnostics(document.uri).length === 0);
  });

  it('a Python leak gets "Wrap in try/finally" with pool.putconn(conn) in finally', async () => {
    const document = await openInEditor('wrap.py');
    const { action } = await wrapAction(document);
    assert.ok(await vscode.workspace.applyEdit(action.edit as vscode.WorkspaceEdit), 'the edit applies');
    assert.equal(
      document.getText().split('\n').slice(5).join('\n'),
      `def invoice_count(customer_id):
    conn = pool.getconn()
    try:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM invoices WHERE customer_id = %s", (customer_id,))
        count = cur.fetchone()[0]
        return count
    finally:
        pool.putconn(conn)
`,
    );
    await waitFor('the diagnostic to disappear after the fix', () => pgDiagnostics(document.uri).length === 0);
  });

  for (const [name, language, fixed, title] of [
    ['wrap.go', 'go', 'quickfix_demo.fixed.go', 'Add `defer conn.Release()` after the error check'],
    ['Wrap.java', 'java', 'QuickfixDemo.fixed.java', 'Use try-with-resources for `conn`'],
    ['Wrap.cs', 'csharp', 'QuickfixDemo.fixed.cs', 'Declare `conn` with `await using`'],
  ] as const) {
    it(`a ${language} leak is underlined as VS Code opens the file, and "${title}" fixes it`, async () => {
      const document = await openInEditor(name);
      assert.equal(document.languageId, language, 'VS Code gives the file its language');
      const [diagnostic] = await waitFor(`the pg-health diagnostic on ${name}`, () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
      assert.ok(diagnostic);
      const actions = await codeActions(document.uri, diagnostic.range);
      const action = actions.find((a) => a.title === title);
      assert.ok(action?.edit, `"${title}", got: ${actions.map((a) => a.title).join(' | ')}`);
      assert.equal(action.isPreferred, true);
      assert.ok(await vscode.workspace.applyEdit(action.edit), 'the edit applies');
      assert.equal(document.getText(), fs.readFileSync(path.join(fixturesDir, 'quickfix', fixed), 'utf8'));
      await waitFor('the diagnostic to disappear after the fix', () => pgDiagnostics(document.uri).length === 0);
    });
  }

  it('the lightbulb does not compute fix-all; it is a source action, asked for by kind', async () => {
    const document = await openInEditor('lightbulb.js');
    const [diagnostic] = await waitFor('the pg-health diagnostic', () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
    assert.ok(diagnostic);
    const actions = await codeActions(document.uri, diagnostic.range);
    assert.deepEqual(actions.filter((a) => a.kind?.value === FIX_ALL).map((a) => a.title), []);
  });

  it('Ctrl+. also offers Fix all in this file, Disable <rule> for this line (which silences it) and the rule documentation', async () => {
    const document = await openInEditor('disable.js');
    const [diagnostic] = await waitFor('the pg-health diagnostic', () => pgDiagnostics(document.uri).length === 1 && pgDiagnostics(document.uri));
    assert.ok(diagnostic);
    const rule = typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
    // Resolved as VS Code resolves the entry a user picks: fix-all's edit is computed then.
    const result = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, undefined, 20);
    const titles = result.map((a) => a.title);
    assert.ok(titles.includes('Fix all pg-health leaks in this file'), titles.join(' | '));
    assert.ok(titles.includes(`Show documentation for ${rule}`), titles.join(' | '));
    const fixAll = result.find((a) => a.title === 'Fix all pg-health leaks in this file');
    assert.ok(fixAll?.edit && fixAll.edit.size > 0, 'fix-all carries its edit once resolved');
    const disable = result.find((a) => a.title === `Disable ${rule} for this line`);
    assert.ok(disable?.edit, titles.join(' | '));
    assert.ok(await vscode.workspace.applyEdit(disable.edit));
    await waitFor('the diagnostic silenced', () => pgDiagnostics(document.uri).length === 0);
    const line = document.lineAt(diagnostic.range.start.line).text;
    assert.match(line, new RegExp(`^\\s*// pg-health-disable-next-line ${rule}$`), 'the comment sits above the flagged line, indented like it');
    await closeAllEditors();
  });

  it('no pg-health action is offered where there is no pg-health diagnostic', async () => {
    const document = await openInEditor('elsewhere.js');
    await waitFor('the pg-health diagnostic', () => pgDiagnostics(document.uri).length === 1);
    const actions = await codeActions(document.uri, new vscode.Range(0, 0, 0, 5));
    assert.deepEqual(
      actions.filter((a) => a.title.startsWith('Wrap in try/finally')).map((a) => a.title),
      [],
      'the first line (the require) has nothing to fix',
    );
  });

  it(`${FIX_ALL} fixes every finding of a file with three leaks, and no pg-health diagnostic is left`, async () => {
    const document = await openInEditor('fix-all.js');
    await waitFor('three pg-health diagnostics', () => pgDiagnostics(document.uri).length === 3);
    const actions = await codeActions(document.uri, new vscode.Range(0, 0, 0, 0), FIX_ALL);
    assert.deepEqual(
      actions.map((a) => a.kind?.value),
      [FIX_ALL],
      'one fix-all action of our kind',
    );
    const [fixAll] = actions as [vscode.CodeAction];
    assert.ok(await vscode.workspace.applyEdit(fixAll.edit as vscode.WorkspaceEdit), 'the edit applies');
    assert.equal((document.getText().match(/\} finally \{\n\s+client\.release\(\);/g) ?? []).length, 3, 'each function releases in finally');
    assert.equal((document.getText().match(/client\.release\(\)/g) ?? []).length, 3, 'no release is left outside finally');
    await waitFor('no pg-health diagnostic after fix-all', () => pgDiagnostics(document.uri).length === 0);
  });

  it(`"editor.codeActionsOnSave": { "${FIX_ALL}": "explicit" } fixes the file when it is saved`, async () => {
    const config = vscode.workspace.getConfiguration('editor', { languageId: 'javascript' });
    await config.update('codeActionsOnSave', { [FIX_ALL]: 'explicit' }, vscode.ConfigurationTarget.Global);
    try {
      const document = await openInEditor('on-save.js');
      await waitFor('three pg-health diagnostics', () => pgDiagnostics(document.uri).length === 3);
      // Saving an unchanged file is still an explicit save, but make it dirty as a user would.
      const edit = new vscode.WorkspaceEdit();
      edit.insert(document.uri, new vscode.Position(document.lineCount, 0), '\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor('the file on disk to be fixed', () => /\} finally \{/.test(fs.readFileSync(document.uri.fsPath, 'utf8')));
      await waitFor('no pg-health diagnostic after saving', () => pgDiagnostics(document.uri).length === 0);
    } finally {
      await config.update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
