// After "Analyze Workspace", closed files' diagnostics follow the disk without another scan: files
// written, fixed, deleted and renamed outside the editor (as a branch switch or `git pull` does, here
// with node's fs), folders moved as a whole, explorer-style renames and deletes, and helpers changed on
// disk. A burst of writes is one update; an open file is left to the open-document analysis.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LEAKY_JS, pgDiagnostics, waitFor as waitUntil } from './diagnosticsHelpers';

const waitFor = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);

/** What pgHealth.analysis.closedFileUpdates gives (src/editor/workspaceScan.ts RefreshOutcome). */
interface RefreshOutcome {
  analysed: number;
  forgotten: number;
  callers: number;
  chunks: number;
}

const FIXED_JS = LEAKY_JS.replace(
  "  const result = await client.query('SELECT count(*) FROM t');\n  client.release();\n  return result.rows[0].count;",
  "  try {\n    const result = await client.query('SELECT count(*) FROM t');\n    return result.rows[0].count;\n  } finally {\n    client.release();\n  }",
);
/** Every file these tests write lives here; removed afterwards. */
const DIR = 'watched';

function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, ...relative.split('/'));
}

function onDisk(relative: string): string {
  return workspaceFile(relative).fsPath;
}

/** Written with node's fs, as git or a terminal would: VS Code learns of it only through its file watcher. */
function writeOnDisk(relative: string, text: string): void {
  fs.mkdirSync(path.dirname(onDisk(relative)), { recursive: true });
  fs.writeFileSync(onDisk(relative), text);
}

function rules(relative: string): string[] {
  return pgDiagnostics(workspaceFile(relative)).map((d) => (typeof d.code === 'object' ? String(d.code.value) : '?'));
}

async function leakShown(relative: string): Promise<void> {
  await waitFor(`the leak in ${relative} in the Problems panel`, () => rules(relative).join() === 'release-not-guaranteed');
}

async function nothingShown(relative: string): Promise<void> {
  await waitFor(`no diagnostic left on ${relative}`, () => rules(relative).length === 0);
}

async function updates(): Promise<RefreshOutcome[]> {
  return (await vscode.commands.executeCommand<RefreshOutcome[]>('pgHealth.analysis.closedFileUpdates')) ?? [];
}

/** Waits for an update after the first `before` that analysed something, and gives it. */
async function updateSince(before: number): Promise<RefreshOutcome> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = (await updates()).slice(before).find((u) => u.analysed > 0);
    if (found) return found;
    assert.ok(Date.now() < deadline, 'an update that analysed a file');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('closed files after changes outside the editor', () => {
  let dbOriginal = '';

  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    dbOriginal = fs.readFileSync(onDisk('src/db.js'), 'utf8');
    const outcome = await vscode.commands.executeCommand<{ cancelled: boolean } | undefined>('pgHealth.analyzeWorkspace');
    assert.equal(outcome?.cancelled, false, 'Analyze Workspace ran');
  });

  after(async () => {
    fs.writeFileSync(onDisk('src/db.js'), dbOriginal);
    fs.rmSync(onDisk(DIR), { recursive: true, force: true });
    await waitFor(`no diagnostics left under ${DIR}/`, () => !vscode.languages.getDiagnostics().some(([uri, list]) => uri.path.includes(`/${DIR}/`) && list.some((d) => d.source === 'pg-health')));
    await waitFor('users.js to have its finding through getClient() again', () => rules('src/users.js').length === 1);
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('a leaky file written to disk gets its diagnostic, fixing it on disk takes it away, and so does deleting it', async () => {
    const file = `${DIR}/new-leak.js`;
    writeOnDisk(file, LEAKY_JS);
    await leakShown(file);
    writeOnDisk(file, FIXED_JS);
    await nothingShown(file);
    writeOnDisk(file, LEAKY_JS);
    await leakShown(file);
    fs.unlinkSync(onDisk(file));
    await nothingShown(file);
  });

  it('a file renamed on disk takes its diagnostic along', async () => {
    writeOnDisk(`${DIR}/before.js`, LEAKY_JS);
    await leakShown(`${DIR}/before.js`);
    fs.renameSync(onDisk(`${DIR}/before.js`), onDisk(`${DIR}/after.js`));
    await leakShown(`${DIR}/after.js`);
    await nothingShown(`${DIR}/before.js`);
  });

  it('a folder moved on disk takes the diagnostics of every file in it along', async () => {
    for (const name of ['one.js', 'nested/two.js']) writeOnDisk(`${DIR}/old-folder/${name}`, LEAKY_JS);
    await leakShown(`${DIR}/old-folder/nested/two.js`);
    await leakShown(`${DIR}/old-folder/one.js`);
    fs.renameSync(onDisk(`${DIR}/old-folder`), onDisk(`${DIR}/new-folder`));
    await leakShown(`${DIR}/new-folder/one.js`);
    await leakShown(`${DIR}/new-folder/nested/two.js`);
    await nothingShown(`${DIR}/old-folder/one.js`);
    await nothingShown(`${DIR}/old-folder/nested/two.js`);
  });

  it('a burst of 30 files written at once, as a branch switch does, is analysed in one update of one analyser run', async () => {
    const before = (await updates()).length;
    const names = Array.from({ length: 30 }, (_, i) => `${DIR}/burst/file-${String(i).padStart(2, '0')}.js`);
    for (const name of names) writeOnDisk(name, LEAKY_JS);
    await waitFor('all 30 leaks in the Problems panel', () => names.every((name) => rules(name).length === 1));
    await updateSince(before);
    const since = (await updates()).slice(before).filter((u) => u.analysed > 0);
    assert.deepEqual(since, [{ analysed: 30, forgotten: 0, callers: 0, chunks: 1 }], JSON.stringify(since));
  });

  it('a helper changed on disk updates the closed files that call it: renaming it takes the finding off its caller, naming it back brings it back', async () => {
    const helper = (name: string): string => `const { Pool } = require('pg');\nconst pool = new Pool();\n\nasync function ${name}() {\n  const client = await pool.connect();\n  return client;\n}\n\nmodule.exports = { ${name} };\n`;
    const caller = `const { leaseClient } = require('./pool');\n\nasync function findOrder(id) {\n  const client = await leaseClient();\n  const result = await client.query('SELECT * FROM orders WHERE id = $1', [id]);\n  client.release();\n  return result.rows[0];\n}\n\nmodule.exports = { findOrder };\n`;
    const start = (await updates()).length;
    writeOnDisk(`${DIR}/helpers/pool.js`, helper('leaseClient'));
    writeOnDisk(`${DIR}/helpers/caller.js`, caller);
    await leakShown(`${DIR}/helpers/caller.js`);
    // Diagnostics show as each chunk ends; the update is recorded once it is done.
    await updateSince(start);
    const before = (await updates()).length;
    writeOnDisk(`${DIR}/helpers/pool.js`, helper('leasePooledClient'));
    await nothingShown(`${DIR}/helpers/caller.js`);
    assert.deepEqual(await updateSince(before), { analysed: 1, forgotten: 0, callers: 1, chunks: 2 }, 'pool.js, then its caller');
    writeOnDisk(`${DIR}/helpers/pool.js`, helper('leaseClient'));
    await leakShown(`${DIR}/helpers/caller.js`);
  });

  it('a helper open in an editor and changed on disk (a checkout with the file open) updates its closed callers too: users.js follows getClient in db.js', async () => {
    await vscode.commands.executeCommand('vscode.open', workspaceFile('src/db.js'));
    const db = await waitFor('the editor on db.js', () => {
      const active = vscode.window.activeTextEditor?.document;
      return active?.uri.toString() === workspaceFile('src/db.js').toString() && active;
    });
    await waitFor('users.js with its finding through getClient()', () => rules('src/users.js').length === 1);
    const renamed = dbOriginal.replace('async function getClient()', 'async function getPooledClient()');
    try {
      writeOnDisk('src/db.js', renamed);
      await waitFor('VS Code to load the new db.js into its editor', () => db.getText() === renamed);
      await waitFor('users.js to lose the finding that came through getClient()', () => rules('src/users.js').length === 0);
    } finally {
      writeOnDisk('src/db.js', dbOriginal);
    }
    await waitFor('the finding back on users.js once getClient() is back', () => pgDiagnostics(workspaceFile('src/users.js')).some((d) => d.range.start.line === 4));
  });

  it('an open file is left to the open-document analysis: a change on disk reaches it through its editor, not through an update', async () => {
    const open = `${DIR}/open.js`;
    const closed = `${DIR}/closed.js`;
    const start = (await updates()).length;
    writeOnDisk(open, LEAKY_JS);
    await leakShown(open);
    await updateSince(start);
    await vscode.commands.executeCommand('vscode.open', workspaceFile(open));
    const document = await waitFor('the editor on open.js', () => {
      const active = vscode.window.activeTextEditor?.document;
      return active?.uri.toString() === workspaceFile(open).toString() && active;
    });
    const before = (await updates()).length;
    writeOnDisk(open, FIXED_JS);
    writeOnDisk(closed, LEAKY_JS);
    await leakShown(closed);
    await waitFor('VS Code to load the fixed text into the open editor', () => document.getText() === FIXED_JS);
    await nothingShown(open);
    await updateSince(before);
    const analysed = (await updates()).slice(before).reduce((n, u) => n + u.analysed, 0);
    assert.equal(analysed, 1, 'only closed.js was analysed by an update');
  });

  it('renames and deletes through VS Code (as the explorer makes them) move and remove the diagnostics', async () => {
    writeOnDisk(`${DIR}/explorer.js`, LEAKY_JS);
    await leakShown(`${DIR}/explorer.js`);
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(workspaceFile(`${DIR}/explorer.js`), workspaceFile(`${DIR}/renamed.js`));
    assert.ok(await vscode.workspace.applyEdit(rename), 'the rename applies');
    await leakShown(`${DIR}/renamed.js`);
    await nothingShown(`${DIR}/explorer.js`);
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(workspaceFile(`${DIR}/renamed.js`));
    assert.ok(await vscode.workspace.applyEdit(remove), 'the delete applies');
    await nothingShown(`${DIR}/renamed.js`);
  });

  it('files written where the scan does not look (node_modules, build output, pgHealth.analysis.exclude) stay quiet', async () => {
    await vscode.workspace.getConfiguration('pgHealth.analysis').update('exclude', [`${DIR}/excluded/**`], vscode.ConfigurationTarget.Workspace);
    try {
      const before = (await updates()).length;
      const quiet = [`${DIR}/node_modules/dep/index.js`, `${DIR}/dist/bundle.js`, `${DIR}/excluded/leak.js`];
      for (const file of quiet) writeOnDisk(file, LEAKY_JS);
      // Written with them: the update that analyses it has seen the quiet files too.
      writeOnDisk(`${DIR}/marker.js`, LEAKY_JS);
      await leakShown(`${DIR}/marker.js`);
      await updateSince(before);
      for (const file of quiet) assert.deepEqual(rules(file), [], `${file} is not analysed`);
    } finally {
      await vscode.workspace.getConfiguration('pgHealth.analysis').update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
