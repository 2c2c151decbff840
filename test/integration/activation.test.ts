import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LEAKY_JS, pgDiagnostics } from './diagnosticsHelpers';

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

  // This file runs first: no Analyze Workspace has run in this window yet.
  it('does not follow the disk before the first Analyze Workspace: a leaky file written outside the editor gets no diagnostic and no update', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    const uri = vscode.Uri.joinPath(folder.uri, 'unscanned', 'leaky.js');
    fs.mkdirSync(path.dirname(uri.fsPath), { recursive: true });
    fs.writeFileSync(uri.fsPath, LEAKY_JS);
    try {
      // Longer than the watcher's longest wait (5 s) plus an analysis: after a scan, the same write
      // is in the Problems panel well within this (editorWorkspaceWatcher.test.ts).
      await new Promise((resolve) => setTimeout(resolve, 7000));
      const updates = (await vscode.commands.executeCommand<unknown[]>('pgHealth.analysis.closedFileUpdates')) ?? [];
      assert.deepEqual(updates, [], 'no update of closed files ran');
      assert.deepEqual(pgDiagnostics(uri), [], 'and the file has no diagnostic');
    } finally {
      fs.rmSync(path.dirname(uri.fsPath), { recursive: true, force: true });
    }
  });

  it('links only to commands that exist, from the walkthrough and the welcome views, and every step has its page', async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'pg-connection-health');
    assert.ok(ext);
    await ext.activate();
    const commands = await vscode.commands.getCommands(true);
    const contributes = ext.packageJSON.contributes as {
      walkthroughs: Array<{ steps: Array<{ id: string; description: string; media: { markdown?: string } }> }>;
      viewsWelcome: Array<{ contents: string }>;
    };
    // The manifest's strings live in package.nls.json ("%key%" in package.json).
    const nls = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, 'package.nls.json')))) as Record<string, string>;
    const text = (value: string): string => value.replace(/^%([^%]+)%$/, (_, k: string) => nls[k] ?? '');
    const texts = [...contributes.walkthroughs.flatMap((w) => w.steps.map((s) => text(s.description))), ...contributes.viewsWelcome.map((v) => text(v.contents))];
    const linked = texts.flatMap((t) => [...t.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] ?? ''));
    assert.ok(linked.length >= 8, `links found: ${linked.join(', ')}`);
    assert.deepEqual(linked.filter((id) => !commands.includes(id)), [], 'every linked command is registered');
    for (const step of contributes.walkthroughs.flatMap((w) => w.steps)) {
      const page = step.media.markdown;
      assert.ok(page, `${step.id} has a page`);
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, page));
      assert.ok(bytes.byteLength > 100, `${page} has content`);
    }
  });
});
