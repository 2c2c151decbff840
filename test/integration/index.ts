// Runs inside VS Code's real extension host: VS Code calls run() with the extension under test
// already loaded (extensionTestsPath in the workbench payload, or @vscode/test-electron).
// The page never exits by itself, so the counts go to $PG_HEALTH_RESULTS for the launcher.
// The tests under multiRoot/ need a workspace of several folders: they run in a window of their own
// ($PG_HEALTH_SUITE=multi-root), the others in the single-folder window.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { CountingReporter, writeCounts } from '../support/countingReporter';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: CountingReporter });
  const dir = __dirname;
  const files = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => f.startsWith('multiRoot') === (process.env['PG_HEALTH_SUITE'] === 'multi-root'))
    .sort();
  for (const f of files) mocha.addFile(path.join(dir, f));
  try {
    await mocha.loadFilesAsync();
  } catch (err) {
    writeCounts({ passed: 0, failed: 1, skipped: 0, failures: [{ title: 'loading the integration tests', error: String(err) }], tests: [] });
    throw err;
  }
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
}
