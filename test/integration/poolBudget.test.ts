// The pool budget in the editor: after Analyze Workspace, a pool whose maximum alone (times its
// replicas, pgHealth.pools.replicas) passes the capacity of the database it connects to gets a
// warning at its constructor — here against the real test server's capacity.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './diagnosticsHelpers';

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace is open');
  return f.uri;
}

const budgetWarnings = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pg-health' && d.code === 'pool-budget');

describe('pool budget warnings', function () {
  this.timeout(120_000);
  const big = vscode.Uri.joinPath(folder(), 'pools', 'big.js');
  const small = vscode.Uri.joinPath(folder(), 'pools', 'small.py');

  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    await ext?.activate();
    await vscode.workspace.fs.writeFile(big, new TextEncoder().encode("const { Pool } = require('pg');\n\nconst pool = new Pool({ max: 500, application_name: 'batch' });\nmodule.exports = pool;\n"));
    await vscode.workspace.fs.writeFile(small, new TextEncoder().encode('import asyncpg\n\nasync def start():\n    return await asyncpg.create_pool(max_size=20)\n'));
    // The dashboard keeps test-db's monitor polling, so its capacity is known.
    await vscode.commands.executeCommand('pgHealth.openDashboard', 'test-db');
    await vscode.commands.executeCommand('pgHealth.analyzeWorkspace');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('pgHealth.pools').update('replicas', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'pools'), { recursive: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("warns at a pool that alone can open more connections than test-db's capacity, and not at one that fits", async () => {
    const [warning] = await waitFor('the pool-budget warning on pools/big.js', () => budgetWarnings(big).length > 0 && budgetWarnings(big), 60_000);
    assert.match(warning?.message ?? '', /^This pool may open 500 connections \(max 500\), more than the capacity of test-db \(\d+\): when it fills up, new connections fail with "too many clients"\.$/);
    assert.equal(warning?.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warning?.range.start.line, 2, 'at the constructor');
    assert.deepEqual(budgetWarnings(small), [], 'max_size 20 fits');
  });

  it('counts the replicas: 10 processes of the asyncpg pool do not fit either', async () => {
    await vscode.workspace.getConfiguration('pgHealth.pools').update('replicas', { '*': 10 }, vscode.ConfigurationTarget.Workspace);
    const [warning] = await waitFor('the pool-budget warning on pools/small.py', () => budgetWarnings(small).length > 0 && budgetWarnings(small), 30_000);
    assert.match(warning?.message ?? '', /^This pool may open 200 connections \(max_size 20 × 10 replicas\), more than the capacity of test-db/);
    assert.equal(budgetWarnings(big).length, 1, 'the big pool is still warned about (application_name batch counts under "*")');
  });
});
