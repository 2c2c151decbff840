import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // wired in the following commits
}

export function deactivate(): void {
  // nothing to release yet
}
