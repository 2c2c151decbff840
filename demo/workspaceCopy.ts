// The demo opens a copy of demo/workspace, so that what a user does there (a quick fix, a saved
// edit) changes neither the repository nor the next demo, and the invoice job runs that copy's code:
// fixing its leak in the editor stops the leak on the job's next run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../test/support/paths';

export const WORKSPACE_SOURCE = path.join(repoRoot, 'demo', 'workspace');

/** Copies demo/workspace into `parent` and returns the copy's path. */
export function copyWorkspace(parent: string): string {
  const copy = path.join(parent, 'workspace');
  fs.cpSync(WORKSPACE_SOURCE, copy, { recursive: true, filter: (source) => path.basename(source) !== '.vscode' });
  // The TypeScript example imports 'pg': VS Code's TypeScript finds it (and its types) through this link,
  // as in the repository. The analyser never reads node_modules.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}
