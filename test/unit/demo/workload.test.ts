// The demo's workload survives what the extension lets a user do to its sessions (issue 17): a
// terminated leaked client, a terminated idle-in-transaction worker, a cancelled query, every idle
// session terminated at once, and PostgreSQL going away. Real PostgreSQL set up as the demo sets it
// up (an ordinary role per application), the real pg pool; an uncaught 'error' event would fail
// the run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DemoDatabase, prepareDemoDatabase } from '../../../demo/database';
import { INVOICE_JOB_FILE, startWorkload, type Workload } from '../../../demo/workload';
import { waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../../support/postgresServer';

interface Row {
  pid: number;
  usename: string;
  application_name: string;
  state: string | null;
  query: string;
  query_start: Date | null;
}

const JOB_POOL = 3;

describe('demo workload', function () {
  this.timeout(90_000);
  let server: PgServer | undefined;
  let demo: DemoDatabase | undefined;
  let observer: Client | undefined;
  let workload: Workload | undefined;
  let lines: string[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ maxConnections: 40 });
    demo = await prepareDemoDatabase(server);
    observer = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: demo.database });
    await observer.connect();
  });

  beforeEach(async () => {
    lines = [];
    workload = await startWorkload(demo as DemoDatabase, { jobPoolSize: JOB_POOL, jobEveryMs: 150, reconnectMs: 300, log: (line) => lines.push(line) });
  });

  afterEach(async () => {
    await workload?.stop();
    workload = undefined;
    await waitFor('no workload session left', async () => (await sessions()).length === 0);
  });

  after(async () => {
    await observer?.end().catch(() => undefined);
    demo?.dispose();
    await server?.stop();
  });

  const sessions = async (application?: string): Promise<Row[]> =>
    (
      await (observer as Client).query<Row>(
        `SELECT pid, usename, application_name, state, query, query_start FROM pg_stat_activity
          WHERE application_name = ANY($1) AND backend_type = 'client backend' ORDER BY pid`,
        [application ? [application] : ['orders-api', 'invoice-job', 'report-worker']],
      )
    ).rows;
  const signal = async (fn: 'pg_terminate_backend' | 'pg_cancel_backend', pid: number): Promise<void> => {
    await (observer as Client).query(`SELECT ${fn}($1)`, [pid]);
  };
  const leakedCount = async (): Promise<Row[] | false> => {
    const rows = await sessions('invoice-job');
    return rows.length === JOB_POOL && rows.every((r) => r.state === 'idle') && rows;
  };

  it('each application logs in as its own ordinary role, and the job leaks the client of its early return', async () => {
    const leaked = await waitFor('the invoice job to leak its whole pool', leakedCount);
    // The first run reminded the two overdue invoices and released; every later run found nothing and leaked.
    assert.ok(lines.includes('invoice-job: reminded 2 customers of overdue invoices'), lines.join('\n'));
    // Each leaked session shows the query of the workspace's jobs/invoice-job.js: the finding and the session are one story.
    const code = fs.readFileSync(INVOICE_JOB_FILE, 'utf8');
    for (const r of leaked) assert.ok(r.query.startsWith('SELECT id, customer_id, due FROM invoices') && code.includes(`'${r.query}'`), r.query);
    await waitFor('three report-workers in their transactions', async () => (await sessions('report-worker')).length === 3);
    await waitFor('an orders-api session', async () => (await sessions('orders-api')).length > 0);
    const roles = new Map((await sessions()).map((r) => [r.application_name, r.usename]));
    assert.deepEqual(Object.fromEntries(roles), { 'orders-api': 'orders_api', 'invoice-job': 'invoice_job', 'report-worker': 'report_worker' });
    const { rows } = await (observer as Client).query<{ rolname: string; rolsuper: boolean }>(
      "SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('orders_api', 'invoice_job', 'report_worker', 'monitor')",
    );
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => !r.rolsuper), 'no role of the demo is a superuser');
    await waitFor('the job to say its pool is exhausted', () => lines.some((l) => l.startsWith('invoice-job: its pool is exhausted')));
  });

  it('keeps leaking after a leaked client is terminated, and a terminated worker comes back in a new transaction', async () => {
    const leaked = await waitFor('the invoice job to leak its whole pool', leakedCount);
    const victim = leaked[0] as Row;
    await signal('pg_terminate_backend', victim.pid);
    // The job drops the dead client and leaks another: the count climbs back, without the victim.
    await waitFor('the invoice-job count back at the pool size', async () => {
      const rows = await leakedCount();
      return rows && !rows.some((r) => r.pid === victim.pid);
    });
    assert.ok(lines.some((l) => l.startsWith('invoice-job: lost a leaked client')), lines.join('\n'));

    const workers = await waitFor('three report-workers', async () => {
      const rows = await sessions('report-worker');
      return rows.length === 3 && rows;
    });
    const idle = workers.find((r) => r.state === 'idle in transaction') ?? assert.fail(`no idle-in-transaction worker: ${JSON.stringify(workers)}`);
    await signal('pg_terminate_backend', idle.pid);
    await waitFor('the worker back, idle in transaction in a new session', async () => {
      const rows = await sessions('report-worker');
      return rows.filter((r) => r.state === 'idle in transaction').length === 2 && !rows.some((r) => r.pid === idle.pid);
    });
    assert.ok(lines.some((l) => l.startsWith('report-worker:') && l.includes('connects again')), lines.join('\n'));
  });

  it('a cancelled orders-api query fails that request only: the API goes on with new queries', async () => {
    const slow = await waitFor(
      'a slow orders-api query',
      async () => (await sessions('orders-api')).find((r) => r.state === 'active' && r.query.includes('pg_sleep')),
      30_000,
    );
    const cancelledAt = new Date();
    await signal('pg_cancel_backend', slow.pid);
    await waitFor('the API to log the cancelled request', () => lines.some((l) => l.startsWith('orders-api: a request failed: canceling statement due to user request')));
    await waitFor('an orders-api query started after the cancel', async () =>
      (await sessions('orders-api')).some((r) => r.query_start !== null && r.query_start > cancelledAt),
    );
  });

  it('survives every idle session terminated at once (Terminate Idle Sessions… on the idle group)', async () => {
    await waitFor('the invoice job to leak its whole pool', leakedCount);
    await waitFor('an idle orders-api client', async () => (await sessions('orders-api')).some((r) => r.state === 'idle'));
    const idle = (await sessions()).filter((r) => r.state === 'idle');
    for (const r of idle) await signal('pg_terminate_backend', r.pid);
    await waitFor('the job to leak a full pool of new clients', async () => {
      const rows = await leakedCount();
      return rows && !rows.some((r) => idle.some((i) => i.pid === r.pid));
    });
    await waitFor('orders-api to connect again', async () => (await sessions('orders-api')).some((r) => !idle.some((i) => i.pid === r.pid)));
  });
});

describe('demo workload running a copy of the job', function () {
  this.timeout(90_000);

  it('an edit to the job\'s file takes effect on its next run: fixed, it stops leaking', async function () {
    if (!isVersionAvailable('default')) this.skip();
    const server = await startPostgres({ maxConnections: 40 });
    const demo = await prepareDemoDatabase(server);
    const jobFile = path.join(demo.dir, 'invoice-job.js');
    const leaky = fs.readFileSync(INVOICE_JOB_FILE, 'utf8');
    fs.writeFileSync(jobFile, leaky);
    const lines: string[] = [];
    const workload = await startWorkload(demo, { jobPoolSize: 5, jobEveryMs: 150, reconnectMs: 300, jobFile, log: (line) => lines.push(line) });
    try {
      await waitFor('two leaked clients', () => lines.some((l) => l.includes('never released (2 of 5 held)')));
      // The fix a user would make: release on the early return too.
      const fixed = leaky.replace(/\n(\s*)return 0;/, '\n$1client.release();\n$1return 0;');
      assert.notEqual(fixed, leaky);
      fs.writeFileSync(jobFile, fixed);
      await waitFor('a run that gave its client back', () => lines.some((l) => l.startsWith('invoice-job: nothing to remind, and the client went back to the pool')));
      const held = lines.filter((l) => l.includes('never released')).length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(lines.filter((l) => l.includes('never released')).length, held, `no leak after the fix:\n${lines.join('\n')}`);
      assert.ok(held < 5, 'the pool was not exhausted before the fix');
    } finally {
      await workload.stop();
      demo.dispose();
      await server.stop();
    }
  });
});

describe('demo workload when PostgreSQL goes away', function () {
  this.timeout(90_000);

  it('says so once per application, keeps trying, and stops cleanly', async function () {
    if (!isVersionAvailable('default')) this.skip();
    const server = await startPostgres({ maxConnections: 40 });
    const demo = await prepareDemoDatabase(server);
    const lines: string[] = [];
    const workload = await startWorkload(demo, { jobPoolSize: 2, jobEveryMs: 150, reconnectMs: 200, log: (line) => lines.push(line) });
    try {
      await waitFor('the job to leak', () => lines.some((l) => l.includes('never released')));
      await server.stop();
      // A few seconds without a server: the workers retry every 200 ms, the job runs every 150 ms.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const refused = lines.filter((l) => l.includes('ECONNREFUSED'));
      assert.ok(refused.length > 0, lines.join('\n'));
      for (const app of ['report-worker', 'invoice-job']) {
        assert.ok(refused.filter((l) => l.startsWith(`${app}:`)).length <= 1, `${app} says it once:\n${lines.join('\n')}`);
      }
      const started = Date.now();
      await workload.stop();
      assert.ok(Date.now() - started < 6_000, 'stop() returns without the server');
    } finally {
      await workload.stop();
      demo.dispose();
      await server.stop();
    }
  });
});
