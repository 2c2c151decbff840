// Mocha's spec output, plus the run's counts written to $PG_HEALTH_RESULTS (JSON) so that
// scripts/test-all.mjs can total every suite in one closing line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface SuiteCounts {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; error: string }[];
  /** Every test in run order, for launchers whose suite runs where its console cannot be seen. */
  tests: { title: string; state: 'passed' | 'failed' | 'skipped'; durationMs?: number }[];
}

export class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const counts: SuiteCounts = { passed: 0, failed: 0, skipped: 0, failures: [], tests: [] };
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) => {
      counts.passed++;
      counts.tests.push({ title: test.fullTitle(), state: 'passed', ...(test.duration !== undefined ? { durationMs: test.duration } : {}) });
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test: Mocha.Test) => {
      counts.skipped++;
      counts.tests.push({ title: test.fullTitle(), state: 'skipped' });
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      // A failing hook is reported here too: count it as a failure so it cannot pass silently.
      counts.failed++;
      counts.failures.push({ title: test.fullTitle(), error: String(err?.stack ?? err) });
      counts.tests.push({ title: test.fullTitle(), state: 'failed' });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => writeCounts(counts));
  }
}

export function writeCounts(counts: SuiteCounts): void {
  const file = process.env['PG_HEALTH_RESULTS'];
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(counts, null, 2));
}

// Mocha loads a reporter by path and expects the module itself to be the constructor.
module.exports = CountingReporter;
module.exports.CountingReporter = CountingReporter;
module.exports.writeCounts = writeCounts;
