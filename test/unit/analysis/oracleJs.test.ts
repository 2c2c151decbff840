// The dynamic oracle for JS/TS: every fixture function runs against a real PostgreSQL with a real pg
// Pool, normally and under injected faults; a client stays checked out after some run exactly when
// the analyser reports a leak for that function.
import * as assert from 'node:assert/strict';
import type { FunctionReport } from '../../oracle/faults';
import { familyOf } from '../../../src/analysis/languages';
import { startPostgres, type PgServer } from '../../support/postgresServer';
import { loadCorpus } from './corpus';
import { analyserVerdicts, disagreements, runFixtures, SKIP_FILE } from './oracleSupport';

// The JS/TS fixtures only (Python has its own oracle; Go, Java and C# fixtures are not run on Node).
const files = loadCorpus().filter((f) => familyOf(f.language) === 'js');

describe('dynamic oracle: JS/TS fixtures against PostgreSQL with a pg Pool', function () {
  this.timeout(300_000);
  let server: PgServer | undefined;
  const runs = new Map<string, Promise<FunctionReport[]>>();

  before(async () => {
    server = await startPostgres({ maxConnections: 200 });
    // One runner process per file, all at once: each uses a pool of at most 4 connections.
    for (const file of files.filter((f) => !SKIP_FILE.test(f.text))) {
      const reports = runFixtures(file, server.connectionString);
      reports.catch(() => undefined); // awaited (and reported) by the file's test
      runs.set(file.relative, reports);
    }
  });

  after(async () => {
    await server?.stop();
  });

  it('skips only fixture files that say why (a driver that is not installed)', () => {
    const skipped = files.filter((f) => SKIP_FILE.test(f.text));
    // postgres.js (ts/postgresjs.ts) and the other Node drivers (js/drivers.js) are not dependencies.
    assert.ok(skipped.length <= 2, `too many skipped files: ${skipped.map((f) => f.relative).join(', ')}`);
    for (const file of skipped) assert.match(SKIP_FILE.exec(file.text)?.[1] ?? '', /not (?:a )?dependenc|not installed|only node-postgres/, `${file.relative}: say which driver is missing`);
  });

  for (const file of files.filter((f) => !SKIP_FILE.test(f.text))) {
    it(`${file.relative}: a client stays checked out exactly when the analyser reports a leak`, async () => {
      const reports = await (runs.get(file.relative) as Promise<FunctionReport[]>);
      const verdicts = await analyserVerdicts(file);
      assert.deepEqual(disagreements(reports, verdicts), []);
      // pg throws on a second release: every double-release fixture must have made it throw for real.
      for (const fn of file.functions.filter((f) => f.expectations.some((e) => e.rule === 'double-release'))) {
        const report = reports.find((r) => r.name === fn.name);
        assert.ok(
          report?.runs.some((r) => r.error?.includes('already been released')),
          `${fn.name}: expected pg to throw on the double release in some run`,
        );
      }
    });
  }
});
