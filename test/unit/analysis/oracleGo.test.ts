// The dynamic oracle for Go: every fixture function runs against a real PostgreSQL with a real pgx
// pool or database/sql pool (Debian's Go and drivers), normally and with a fault injected at the
// server; a connection stays checked out after some run exactly when the analyser reports a leak.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { FunctionReport } from '../../oracle/faults';
import { startPostgres, type PgServer } from '../../support/postgresServer';
import { loadCorpus } from './corpus';
import { GO } from './goOracle';
import { analyserVerdicts, disagreements, runFixtures } from './oracleSupport';

const files = loadCorpus().filter((f) => f.language === 'go');

describe('dynamic oracle: Go fixtures against PostgreSQL with pgx and database/sql', function () {
  this.timeout(600_000);
  let server: PgServer | undefined;
  const runs = new Map<string, Promise<FunctionReport[]>>();

  before(async () => {
    assert.ok(fs.existsSync(GO), `${GO} is missing: install golang-go golang-github-jackc-pgx-v4-dev golang-github-lib-pq-dev (.ci/run does)`);
    server = await startPostgres({ maxConnections: 100 });
    // One after the other: each file's runner is built first (go build), then run.
    let previous: Promise<unknown> = Promise.resolve();
    for (const file of files) {
      const reports = previous.then(() => runFixtures(file, (server as PgServer).connectionString));
      reports.catch(() => undefined); // awaited (and reported) by the file's test
      previous = reports.catch(() => undefined);
      runs.set(file.relative, reports);
    }
  });

  after(async () => {
    await server?.stop();
  });

  it('has Go fixtures for pgx and for database/sql', () => {
    assert.ok(files.some((f) => f.text.includes('pgxpool.Pool')) && files.some((f) => f.text.includes('*sql.DB')));
  });

  for (const file of files) {
    it(`${file.relative}: a connection stays checked out exactly when the analyser reports a leak`, async () => {
      const reports = await (runs.get(file.relative) as Promise<FunctionReport[]>);
      const verdicts = await analyserVerdicts(file);
      assert.deepEqual(disagreements(reports, verdicts), []);
      // The faults were really injected: some run of the file failed at the server.
      assert.ok(reports.some((r) => r.runs.some((run) => run.error?.includes('injected fault'))), 'no run saw an injected fault');
    });
  }
});
