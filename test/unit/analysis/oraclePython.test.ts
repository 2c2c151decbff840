// The dynamic oracle for Python: every fixture function runs against a real PostgreSQL with a real
// pool of its file's driver (Debian's python3-psycopg2, python3-psycopg-pool, python3-asyncpg under
// /usr/bin/python3), normally and under injected faults; a connection stays checked out after some
// run exactly when the analyser reports a leak for that function.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { FunctionReport } from '../../oracle/faults';
import { startPostgres, type PgServer } from '../../support/postgresServer';
import { loadCorpus } from './corpus';
import { analyserVerdicts, disagreements, driverOf, PYTHON, runFixtures, SKIP_FILE } from './oracleSupport';

const files = loadCorpus().filter((f) => f.language === 'python');

describe('dynamic oracle: Python fixtures against PostgreSQL with psycopg2, psycopg_pool and asyncpg pools', function () {
  this.timeout(300_000);
  let server: PgServer | undefined;
  const runs = new Map<string, Promise<FunctionReport[]>>();
  const runnable = files.filter((f) => !SKIP_FILE.test(f.text));

  before(async function () {
    if (!fs.existsSync(PYTHON)) this.skip();
    server = await startPostgres({ maxConnections: 200 });
    for (const file of runnable) {
      const reports = runFixtures(file, server.connectionString);
      reports.catch(() => undefined); // awaited (and reported) by the file's test
      runs.set(file.relative, reports);
    }
  });

  after(async () => {
    await server?.stop();
  });

  it('runs every fixture file except the ones whose driver is not installed', () => {
    const skipped = files.filter((f) => SKIP_FILE.test(f.text));
    assert.ok(skipped.length <= 1, `too many skipped files: ${skipped.map((f) => f.relative).join(', ')}`);
    for (const file of runnable) assert.ok(driverOf(file.absolute), `${file.relative}: the name does not say which driver it uses`);
  });

  for (const file of runnable) {
    it(`${file.relative}: a connection stays checked out exactly when the analyser reports a leak`, async () => {
      const reports = await (runs.get(file.relative) as Promise<FunctionReport[]>);
      assert.deepEqual(disagreements(reports, await analyserVerdicts(file)), []);
    });
  }
});
