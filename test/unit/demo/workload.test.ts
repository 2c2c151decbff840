// The demo's workload survives what the extension lets a user do to its sessions (issue 17): a
// terminated leaked client, a terminated idle-in-transaction worker, a cancelled query. Real
// PostgreSQL, the real pg pool; an uncaught 'error' event would fail this run.
import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { startWorkload, type Workload } from '../../../demo/workload';
import { waitFor } from '../../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../../support/postgresServer';

interface Row {
  pid: number;
  application_name: string;
  state: string | null;
}

describe('demo workload', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  let observer: Client | undefined;
  let workload: Workload | undefined;
  const lines: string[] = [];

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres({ maxConnections: 40 });
    observer = await server.connect();
  });

  after(async () => {
    await workload?.stop();
    await observer?.end().catch(() => undefined);
    await server?.stop();
  });

  const sessions = async (application: string): Promise<Row[]> =>
    (
      await (observer as Client).query<Row>(
        "SELECT pid, application_name, state FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend' ORDER BY pid",
        [application],
      )
    ).rows;
  const terminate = async (pid: number): Promise<void> => {
    await (observer as Client).query('SELECT pg_terminate_backend($1, 2000)', [pid]);
  };

  it('keeps leaking after a leaked client is terminated, and a terminated worker comes back in a new transaction', async () => {
    const s = server as PgServer;
    workload = await startWorkload(s, { maxLeaks: 3, leakEveryMs: 150, reconnectMs: 300, log: (line) => lines.push(line) });
    const leaked = await waitFor('three leaked invoice-job clients', async () => {
      const rows = await sessions('invoice-job');
      return rows.length === 3 && rows;
    });
    const victim = leaked[0] as Row;
    await terminate(victim.pid);
    // The job drops the dead client and leaks another: the count climbs back, without the victim.
    const again = await waitFor('the invoice-job count back at three', async () => {
      const rows = await sessions('invoice-job');
      return rows.length === 3 && !rows.some((r) => r.pid === victim.pid) && rows;
    });
    assert.equal(again.length, 3);
    assert.ok(lines.some((l) => l.startsWith('invoice-job lost a leaked client')), lines.join('\n'));

    const workers = await sessions('report-worker');
    const idle = workers.find((r) => r.state === 'idle in transaction') ?? assert.fail(`no idle-in-transaction worker: ${JSON.stringify(workers)}`);
    await terminate(idle.pid);
    await waitFor('the worker back, idle in transaction in a new session', async () => {
      const rows = await sessions('report-worker');
      return rows.filter((r) => r.state === 'idle in transaction').length === 2 && !rows.some((r) => r.pid === idle.pid);
    });
    assert.ok(lines.some((l) => l.startsWith('report-worker:') && l.includes('connects again')), lines.join('\n'));

    await workload.stop();
    workload = undefined;
    await waitFor('no workload session left', async () => (await sessions('invoice-job')).length + (await sessions('report-worker')).length + (await sessions('orders-api')).length === 0);
  });
});
