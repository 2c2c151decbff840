import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { runStatus } from '../../../src/cli/status';
import { isPgBouncerAvailable, startPgBouncer } from '../../support/pgBouncer';
import { FixtureSessions, openSessionsInEveryState, waitFor } from '../../support/pgSessions';
import { freePort, isVersionAvailable, PgServer, startPostgres } from '../../support/postgresServer';

async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runStatus(argv);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('pg-health status (PostgreSQL 14)', function () {
  let server: PgServer | undefined;
  let fixtures: FixtureSessions | undefined;

  before(async function () {
    if (!isVersionAvailable('14')) this.skip();
    server = await startPostgres({ version: '14', maxConnections: 25 });
    fixtures = await openSessionsInEveryState(server);
  });

  after(async () => {
    await fixtures?.close().catch(() => undefined);
    await server?.stop();
  });

  it('prints usage against capacity, sessions by state and the longest idle-in-transaction sessions', async () => {
    const s = server as PgServer;
    // 6 fixture sessions and the status command's own; retried while an earlier test connection is still exiting.
    const { code, stdout, stderr } = await waitFor('a report counting 7 sessions', async () => {
      const run = await capture([s.connectionString]);
      return run.code !== 0 || /Connections: 7 of/.test(run.stdout) ? run : undefined;
    });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Connections: 7 of 22 usable \(32%\); max_connections 25, 3 reserved for superusers/);
    assert.match(stdout, /idle in transaction \(aborted\)\s+1/);
    const f = fixtures as FixtureSessions;
    assert.match(stdout, new RegExp(`pid ${f.pids.idleInTransaction} `));
    assert.match(stdout, new RegExp(`pid ${f.pids.holder} `));
    assert.ok(!stdout.includes(s.password), 'the password is never printed');
  });

  it('--json prints the snapshot', async () => {
    const s = server as PgServer;
    const { code, stdout } = await capture([s.connectionString, '--json']);
    assert.equal(code, 0);
    const parsed = JSON.parse(stdout) as { used: number; capacity: number; settings: { maxConnections: number }; longestIdleInTransaction: Array<{ pid: number }> };
    assert.equal(parsed.capacity, 22);
    assert.equal(parsed.settings.maxConnections, 25);
    assert.ok(parsed.used >= 7);
    assert.ok(parsed.longestIdleInTransaction.some((x) => x.pid === (fixtures as FixtureSessions).pids.aborted));
  });

  it('exits 2 with a clear message on a wrong password, without printing it', async () => {
    const s = server as PgServer;
    const { code, stderr, stdout } = await capture([`postgresql://postgres:not-it@127.0.0.1:${s.port}/postgres`]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /wrong password/i);
    assert.ok(!stderr.includes('not-it'));
  });

  it('exits 2 when the server is not reachable or the arguments are wrong', async () => {
    const closed = await capture([`postgresql://postgres:x@127.0.0.1:${await freePort()}/postgres`]);
    assert.equal(closed.code, 2);
    assert.match(closed.stderr, /not reachable/i);
    const missing = await capture([]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /usage: pg-health status/);
    const malformed = await capture(['postgresql://u:pw@h:port/db']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /not a valid URI|port/);
  });

  it('through a transaction-pooling PgBouncer: says so, names the server port, and leaves its settings behind with no application', async function () {
    if (!isPgBouncerAvailable()) this.skip();
    const s = server as PgServer;
    const bouncer = await startPgBouncer(s, { poolMode: 'transaction', defaultPoolSize: 1 });
    try {
      const { code, stdout, stderr } = await capture([bouncer.connectionString(s.user, s.password)]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /Connected through a connection pooler \(the connection announced process/);
      assert.match(stdout, new RegExp(`connect to port ${s.port} on 127\\.0\\.0\\.1, where PostgreSQL itself listens`));
      // The pool's one server connection served the status command; the next client gets it as a direct client would.
      const app = new Client({ connectionString: bouncer.connectionString(s.user, s.password) });
      await app.connect();
      const { rows } = await app.query<{ a: string; t: string }>("SELECT current_setting('application_name') a, current_setting('statement_timeout') t");
      await app.end();
      assert.deepEqual(rows[0], { a: '', t: '0' });
    } finally {
      await bouncer.stop();
    }
  });
});
