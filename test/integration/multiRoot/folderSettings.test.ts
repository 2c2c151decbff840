// Each workspace folder's own pgHealth.analysis.* (resource-scoped settings), in a real multi-root
// window: the same code is reported, silenced, excluded or not analysed at all depending on the folder
// it is in — by Analyze Workspace and in an open editor alike. The workspace is
// test/fixtures/multi-root (its README says what each folder sets); launch.ts opens it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pgDiagnostics, waitFor } from '../diagnosticsHelpers';

interface ScanOutcome {
  filesScanned: number;
  findings: number;
  cancelled: boolean;
}

function file(folderName: string, relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.name === folderName);
  assert.ok(folder, `the workspace has a folder named ${folderName}`);
  return vscode.Uri.joinPath(folder.uri, ...relative.split('/'));
}

function rulesOn(uri: vscode.Uri): string[] {
  return pgDiagnostics(uri)
    .map((d) => (typeof d.code === 'object' ? String(d.code.value) : '?'))
    .sort();
}

/** A second leak of the default catalogue's kind, appended in the editor (unsaved). */
const ANOTHER_POOL_LEAK = `
async function vacuum() {
  const client = await pool.connect();
  await client.query('VACUUM t');
}
`;

/** A second leak of orders' own acquire, appended in the editor (unsaved). */
const ANOTHER_LEASE_LEAK = `
async function reindex() {
  const client = await leaseClient();
  await client.query('REINDEX TABLE t');
}
`;

async function append(uri: vscode.Uri, text: string): Promise<void> {
  const editor = await vscode.window.showTextDocument(uri);
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  assert.ok(await editor.edit((edit) => edit.insert(end, text)), 'the edit applied');
}

describe('Per-folder analysis settings (multi-root workspace)', () => {
  before(async () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 3, 'orders, billing and archive are open');
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Analyze Workspace reads each folder with its own rules, catalogue, excludes and switch', async () => {
    const outcome = await vscode.commands.executeCommand<ScanOutcome | undefined>('pgHealth.analyzeWorkspace');
    assert.ok(outcome && !outcome.cancelled, 'the scan ran to the end');
    // orders: count.js, lease.js, legacy/old.js; billing: count.js, lease.js (legacy/ excluded); archive: none.
    assert.equal(outcome.filesScanned, 5, 'billing/legacy and the whole of archive are not read');
    assert.deepEqual(rulesOn(file('orders', 'src/count.js')), [], 'release-not-guaranteed is off in orders');
    assert.deepEqual(rulesOn(file('billing', 'src/count.js')), ['release-not-guaranteed'], 'billing keeps the rule on');
    assert.deepEqual(rulesOn(file('orders', 'src/lease.js')), ['unreleased-client'], "orders' leaseClient() is an acquire");
    assert.deepEqual(rulesOn(file('billing', 'src/lease.js')), [], 'billing never named leaseClient');
    assert.deepEqual(rulesOn(file('orders', 'legacy/old.js')), ['unreleased-client'], 'orders does not exclude legacy/');
    assert.deepEqual(rulesOn(file('billing', 'legacy/old.js')), [], 'billing excludes legacy/**');
    assert.deepEqual(rulesOn(file('archive', 'src/count.js')), [], 'analysis is off in archive');
    assert.equal(outcome.findings, 3);
  });

  it('an open editor is analysed with the settings of its own folder', async () => {
    // Each edit adds a leak the folder's settings report: once it shows, the analysis of that text ran,
    // so what else is (not) shown is that analysis's answer, not one still to come.
    const ordersCount = file('orders', 'src/count.js');
    await append(ordersCount, ANOTHER_POOL_LEAK);
    await waitFor('the new leak in orders/src/count.js', () => rulesOn(ordersCount).includes('unreleased-client'), 20_000);
    assert.deepEqual(rulesOn(ordersCount), ['unreleased-client'], 'release-not-guaranteed stays off in orders while editing');

    const ordersLease = file('orders', 'src/lease.js');
    await append(ordersLease, ANOTHER_LEASE_LEAK);
    await waitFor('both leaseClient() leaks in orders/src/lease.js', () => rulesOn(ordersLease).length === 2, 20_000);

    const billingLease = file('billing', 'src/lease.js');
    await append(billingLease, ANOTHER_LEASE_LEAK + "\nconst { Pool } = require('pg');\nconst pool = new Pool();\n" + ANOTHER_POOL_LEAK);
    await waitFor('the pool leak in billing/src/lease.js', () => rulesOn(billingLease).includes('unreleased-client'), 20_000);
    assert.deepEqual(rulesOn(billingLease), ['unreleased-client'], "billing's editor does not take orders' leaseClient() for an acquire");
  });
});
