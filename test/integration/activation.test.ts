import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('activation', () => {
  it('activates in a real VS Code extension host and registers the PostgreSQL Health commands', async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext, 'the extension under development is loaded');
    await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['pgHealth.addConnection', 'pgHealth.openDashboard', 'pgHealth.terminateIdleSessions', 'pgHealth.analyzeWorkspace', 'pgHealth.refresh']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
    // A menu or palette entry whose command was never registered fails only when a user picks it.
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
    assert.deepEqual(contributed.filter((id) => !commands.includes(id)), [], 'every contributed command is registered');
    assert.ok(vscode.version.startsWith('1.'), `running in VS Code ${vscode.version}`);
  });
});
