// Leaks linked both ways, in a real extension host against the test server: a session left idle by
// code whose function leaks is counted in that finding's hover ("1 on test-db: idle").
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client } from 'pg';
import { waitFor } from './diagnosticsHelpers';

const LEAKY = `const { Pool } = require('pg');
const pool = new Pool();

async function shelfCount(name) {
  const client = await pool.connect();
  const { rows } = await client.query('SELECT 41 + count(*) AS shelves FROM pg_class WHERE relname = $1', [name]);
  client.release();
  return rows[0].shelves;
}
module.exports = { shelfCount };
`;

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the test workspace is open');
  return f.uri;
}

describe('sessions linked to leaks', function () {
  this.timeout(120_000);
  const file = vscode.Uri.joinPath(folder(), 'linked', 'shelves.js');
  let client: Client | undefined;

  before(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    await ext?.activate();
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(LEAKY));
    await vscode.commands.executeCommand('pgHealth.analyzeWorkspace');
    // What the leaky function leaves behind: a session idle after its query, as the test server shows it.
    client = new Client({ connectionString: process.env['PG_HEALTH_TEST_PG'], application_name: 'shelves' });
    await client.connect();
    await client.query('SELECT 41 + count(*) AS shelves FROM pg_class WHERE relname = $1', ['pg_class']);
    await vscode.commands.executeCommand('pgHealth.openDashboard', 'test-db');
  });

  after(async () => {
    await client?.end();
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'linked'), { recursive: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("says on the leak's hover how many sessions hold a connection with their last query from its function", async () => {
    const leak = await waitFor(
      'the release-not-guaranteed finding',
      () => vscode.languages.getDiagnostics(file).find((d) => d.source === 'pg-health' && typeof d.code === 'object' && d.code.value === 'release-not-guaranteed'),
      30_000,
    );
    const text = async (): Promise<string> => {
      const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, leak.range.start)) ?? [];
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    let shown = '';
    const deadline = Date.now() + 60_000;
    while (!/1 on test-db: idle/.test(shown) && Date.now() < deadline) {
      shown = await text();
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(shown, /Sessions holding a connection now with their last query from this function/);
    assert.match(shown, /- 1 on test-db: idle/);
  });
});
