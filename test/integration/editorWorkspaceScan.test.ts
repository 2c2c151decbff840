// "PostgreSQL Health: Analyze Workspace" as a user runs it: files nobody opened get diagnostics,
// helpers in one file make leaks visible in another, and excluded or generated files stay quiet.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { LEAKY_JS, pgDiagnostics, waitFor as waitUntil } from './diagnosticsHelpers';

const waitFor = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);


/** What the command resolves with (src/editor/workspaceScan.ts ScanOutcome). */
interface ScanOutcome {
  filesScanned: number;
  filesWithFindings: number;
  findings: number;
  skipped: Record<string, number>;
  cancelled: boolean;
}

/** Leaky files the scan must skip (dependencies, build output, .gitignore), and one it must report until excluded. */
const QUIET = ['node_modules/leaky-package/index.js', 'dist/leaky.js', 'ignored-output/leaky.js', 'src/types.d.ts'];
const GENERATED = 'generated/leaky.js';
/** Skipped without a crash or a finding: past the analyser's size limit, and a file with NUL bytes. */
const HUGE = 'generated/huge.js';
const BINARY = 'generated/binary.js';

function folderUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri;
}

function workspaceFile(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(folderUri(), ...relative.split('/'));
}

function rules(uri: vscode.Uri): string[] {
  return pgDiagnostics(uri).map((d) => (typeof d.code === 'object' ? String(d.code.value) : '?'));
}

function allPgDiagnostics(): number {
  return vscode.languages.getDiagnostics().reduce((n, [, list]) => n + list.filter((d) => d.source === 'pg-health').length, 0);
}

async function analyzeWorkspace(): Promise<ScanOutcome> {
  const outcome = await vscode.commands.executeCommand<ScanOutcome | undefined>('pgHealth.analyzeWorkspace');
  assert.ok(outcome, 'the command ran a scan and resolved with its outcome');
  assert.equal(outcome.cancelled, false);
  return outcome;
}

async function write(relative: string, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(workspaceFile(relative), new TextEncoder().encode(text));
}

describe('Analyze Workspace', () => {
  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const file of [...QUIET.filter((f) => f.endsWith('.js')), GENERATED]) await write(file, LEAKY_JS);
    // A declaration file holds no code paths, whatever it looks like.
    await write('src/types.d.ts', 'export declare function countRows(): Promise<number>;\n');
    await write('.gitignore', '# build output\nignored-output/\n');
    await write(HUGE, LEAKY_JS + '// padding\n'.repeat(200_000));
    await write(BINARY, LEAKY_JS.replace('SELECT', '\u0000SELECT'));
  });

  after(async () => {
    await vscode.workspace.getConfiguration('pgHealth.analysis').update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    for (const path of ['node_modules', 'dist', 'ignored-output', 'generated', 'src/types.d.ts', '.gitignore']) {
      await vscode.workspace.fs.delete(workspaceFile(path), { recursive: true, useTrash: false });
    }
  });

  it('fills the Problems panel for files that are not open, with the same count the summary gives', async () => {
    await waitFor('earlier tests to have closed reports.py', () => !vscode.workspace.textDocuments.some((d) => d.uri.path.endsWith('/src/reports.py')));
    const outcome = await analyzeWorkspace();

    assert.deepEqual(rules(workspaceFile('src/reports.py')), ['release-not-guaranteed'], 'the psycopg2 leak in reports.py');
    const [pyDiagnostic] = pgDiagnostics(workspaceFile('src/reports.py'));
    assert.equal(pyDiagnostic?.range.start.line, 6, 'at `conn = pool.getconn()` in monthly_total');
    assert.deepEqual(rules(workspaceFile('src/orders.js')), ['release-not-guaranteed'], 'countOrders, and not listOrders');
    assert.deepEqual(rules(workspaceFile('src/broken.js')), [], 'a file that does not parse reports nothing');
    assert.deepEqual(rules(workspaceFile('src/db.js')), [], 'getClient() hands its client to the caller');

    // users.js + orders.js + reports.py + generated/leaky.js; broken.js and db.js are scanned too.
    assert.equal(outcome.findings, 4, `findings: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.filesWithFindings, 4);
    assert.equal(outcome.filesScanned, 6, 'src/{orders,reports,db,users,broken}, generated/leaky.js');
    assert.equal(allPgDiagnostics(), outcome.findings, 'the Problems panel shows what the summary counts');
    assert.deepEqual(outcome.skipped, { 'too-large': 1, binary: 1 }, 'the huge and the binary file are counted as skipped');
    assert.deepEqual([...rules(workspaceFile(HUGE)), ...rules(workspaceFile(BINARY))], [], 'and report nothing');
  });

  it('sees a leak through a helper in another file: users.js gets its client from getClient() in db.js', async () => {
    await analyzeWorkspace();
    const [diagnostic] = pgDiagnostics(workspaceFile('src/users.js'));
    assert.ok(diagnostic, 'users.js has a finding only a cross-file analysis can make');
    assert.equal(diagnostic.range.start.line, 4);
    assert.match(diagnostic.message, /getClient\(\)/);
  });

  it('keeps that finding while users.js is edited on its own, and fixes it: what db.js teaches comes from the last scan', async () => {
    await analyzeWorkspace();
    const uri = workspaceFile('src/users.js');
    await vscode.commands.executeCommand('vscode.open', uri);
    const editor = await waitFor('the editor on users.js', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.toString() === uri.toString() && active;
    });
    try {
      // A line added above the function: the open-document analysis moves the finding down a line.
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// edited\n')));
      const moved = await waitFor('the finding to follow the edit to line 5', () => pgDiagnostics(uri).find((d) => d.range.start.line === 5));
      assert.match(moved.message, /getClient\(\)/);
      assert.equal(pgDiagnostics(uri).length, 1);
      // The lightbulb fixes it too: the quick fixes analyse with the same summaries.
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, moved.range)) ?? [];
      const wrap = actions.find((a) => a.title.startsWith('Wrap in try/finally'));
      assert.ok(wrap?.edit, `a "Wrap in try/finally" action, got: ${actions.map((a) => a.title).join(' | ')}`);
      // Its edits, applied to a copy of the text: the document itself stays as the test left it.
      let fixed = editor.document.getText();
      for (const edit of [...wrap.edit.get(uri)].sort((x, y) => editor.document.offsetAt(y.range.start) - editor.document.offsetAt(x.range.start))) {
        fixed = fixed.slice(0, editor.document.offsetAt(edit.range.start)) + edit.newText + fixed.slice(editor.document.offsetAt(edit.range.end));
      }
      assert.match(fixed, /const client = await getClient\(\);\s*try \{[\s\S]*\} finally \{\s*client\.release\(\);\s*\}/);
      // The line taken out again: the finding goes back to line 4.
      assert.ok(await editor.edit((e) => e.delete(new vscode.Range(0, 0, 1, 0))));
      await waitFor('the finding back on line 4 once the line is deleted', () => pgDiagnostics(uri).find((d) => d.range.start.line === 4)).catch((err: unknown) => {
        const state = { version: editor.document.version, starts: editor.document.getText().slice(0, 40), diagnostics: pgDiagnostics(uri).map((d) => d.range.start.line) };
        throw new Error(`${String(err)}: ${JSON.stringify(state)}`);
      });
    } finally {
      // code-server saves edits after a second (files.autoSave defaults to afterDelay there): put the
      // file back as it was and save it, so the tests after this one read the fixture.
      const text = editor.document.getText();
      if (text.startsWith('// edited\n')) await editor.edit((e) => e.delete(new vscode.Range(0, 0, 1, 0)));
      await editor.document.save();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('learns a helper again when its file is saved: renaming getClient in db.js takes the finding off the open users.js, naming it back brings it back', async () => {
    await analyzeWorkspace();
    const users = workspaceFile('src/users.js');
    const db = await vscode.workspace.openTextDocument(workspaceFile('src/db.js'));
    await vscode.commands.executeCommand('vscode.open', users);
    await waitFor('users.js open with its finding on line 4', () => vscode.window.activeTextEditor?.document.uri.toString() === users.toString() && pgDiagnostics(users).some((d) => d.range.start.line === 4)).catch((err: unknown) => {
      throw new Error(`${String(err)}: active ${vscode.window.activeTextEditor?.document.uri.path}, lines ${JSON.stringify(pgDiagnostics(users).map((d) => d.range.start.line))}, text ${JSON.stringify(vscode.workspace.textDocuments.find((d) => d.uri.toString() === users.toString())?.getText().slice(0, 60))}`);
    });
    const rename = async (from: string, to: string): Promise<void> => {
      const at = db.getText().indexOf(from);
      assert.ok(at >= 0, `db.js has ${from}`);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(db.uri, new vscode.Range(db.positionAt(at), db.positionAt(at + from.length)), to);
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await db.save(), 'db.js is saved');
    };
    try {
      await rename('async function getClient()', 'async function getPooledClient()');
      await waitFor('users.js to lose the finding that came through getClient()', () => pgDiagnostics(users).length === 0);
    } finally {
      await rename('async function getPooledClient()', 'async function getClient()').catch(() => undefined);
    }
    await waitFor('the finding back once getClient() is back', () => pgDiagnostics(users).some((d) => d.range.start.line === 4));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('skips dependencies, build output, .gitignore-d folders and declaration files', async () => {
    await analyzeWorkspace();
    for (const file of QUIET) assert.deepEqual(rules(workspaceFile(file)), [], `${file} is not analysed`);
    assert.deepEqual(rules(workspaceFile(GENERATED)), ['release-not-guaranteed'], 'an ordinary folder is analysed');
  });

  it('respects pgHealth.analysis.exclude, and takes back findings of files it now excludes', async () => {
    await analyzeWorkspace();
    assert.equal(pgDiagnostics(workspaceFile(GENERATED)).length, 1);
    await vscode.workspace.getConfiguration('pgHealth.analysis').update('exclude', ['generated/**'], vscode.ConfigurationTarget.Workspace);
    const outcome = await analyzeWorkspace();
    assert.deepEqual(rules(workspaceFile(GENERATED)), [], 'the excluded file lost its finding');
    assert.deepEqual(rules(workspaceFile('src/orders.js')), ['release-not-guaranteed'], 'the rest is still reported');
    assert.equal(outcome.findings, 3);
  });

  it("takes what the workspace's files say about its pools into account, in the scan and in an open file: SQLAlchemy engines of a folder that names only SQLite's URLs are not PostgreSQL's", async () => {
    const seed = 'sqliteapp/seed.py';
    await write('sqliteapp/constants.py', 'connection_string = "sqlite:///money.sqlite"\n');
    await write(seed, 'from sqlalchemy import text\ndef seed(engine, lines):\n    conn = engine.connect()\n    for line in lines:\n        conn.execute(text(line))\n    conn.close()\n');
    const config = vscode.workspace.getConfiguration('pgHealth.analysis');
    try {
      // With the application's folder in the scan, psycopg2 is imported there: the engine may be PostgreSQL's.
      await analyzeWorkspace();
      assert.deepEqual(rules(workspaceFile(seed)), ['release-not-guaranteed'], 'the workspace imports psycopg2: seed.py counts');
      // Only the SQLite folder scanned: its constants file says what its engines are.
      await config.update('exclude', ['src/**', 'generated/**'], vscode.ConfigurationTarget.Workspace);
      await analyzeWorkspace();
      assert.deepEqual(rules(workspaceFile(seed)), [], 'SQLite only: nothing to report in seed.py');
      // Opened and edited, seed.py is analysed alone, with what constants.py stated in the scan.
      await vscode.commands.executeCommand('vscode.open', workspaceFile(seed));
      const editor = await waitFor('the editor on seed.py', () => {
        const active = vscode.window.activeTextEditor;
        return active?.document.uri.path.endsWith(`/${seed}`) && active;
      });
      // Its own text imports a PostgreSQL driver: that outweighs the folder's SQLite URL.
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'import psycopg2\n')));
      await waitFor('the open seed.py to report the leak', () => rules(workspaceFile(seed)).includes('release-not-guaranteed'));
      // The import taken out again: alone, seed.py would still report; with constants.py's fact it does not.
      assert.ok(await editor.edit((e) => e.delete(new vscode.Range(0, 0, 1, 0))));
      await waitFor('the open seed.py to go quiet again', () => rules(workspaceFile(seed)).length === 0);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      await config.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(workspaceFile('sqliteapp'), { recursive: true, useTrash: false });
      await analyzeWorkspace();
    }
  });

  it('keeps the diagnostics of a scanned file when it is opened and closed', async () => {
    await analyzeWorkspace();
    const uri = workspaceFile('src/reports.py');
    // vscode.open, as a user opens files: openTextDocument would keep the document alive for minutes.
    await vscode.commands.executeCommand('vscode.open', uri);
    let document: vscode.TextDocument | undefined;
    await waitFor('the editor on reports.py', () => (document = vscode.window.activeTextEditor?.document)?.uri.toString() === uri.toString());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('VS Code to close the document', () => document?.isClosed === true);
    assert.deepEqual(rules(uri), ['release-not-guaranteed']);
  });
});
