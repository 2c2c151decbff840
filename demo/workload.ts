// The demo's application traffic, with the real `pg` pool, each application logged in as its own
// ordinary role: a healthy API (orders-api), a worker that leaves transactions open
// (report-worker), and a leaky job (invoice-job) that runs demo/workspace/jobs/invoice-job.js, whose
// release-not-guaranteed finding is the leak the Databases view shows filling the server.
//
// It survives whatever the extension lets a user do to its sessions, as an application with a pool
// would: the API's pool drops a terminated or cancelled client and connects a new one; the job's
// terminated leaked clients are handed back to its pool with their error, so it has room again and
// leaks again (the count climbs back); a terminated worker connects again after a while and opens a
// new transaction. When PostgreSQL is gone each application says so once, keeps trying, and stops
// cleanly.
import * as path from 'node:path';
import { Client, Pool, PoolClient } from 'pg';
import { repoRoot } from '../test/support/paths';
import type { Login } from './database';

export interface WorkloadTarget {
  host: string;
  port: number;
  database: string;
  apps: { ordersApi: Login; invoiceJob: Login; reportWorker: Login };
}

export interface Workload {
  stop(): Promise<void>;
}

export interface WorkloadOptions {
  /** The invoice job's pool size: how many clients it leaks before its runs time out waiting for one. */
  jobPoolSize: number;
  /** How often the invoice job runs (its first run starts at once). */
  jobEveryMs: number;
  /** How long a report-worker whose session ended waits before it connects again (default 10 s). */
  reconnectMs?: number;
  /** The job's code (default: demo/workspace/jobs/invoice-job.js); read again for every run, so an edit takes effect on the next one. */
  jobFile?: string;
  log: (line: string) => void;
}

/** The job's code, as the demo workspace has it. */
interface InvoiceJob {
  sendReminders(pool: Pool, remind: (invoice: { id: number; customer_id: number }) => Promise<void>): Promise<number>;
}

export const INVOICE_JOB_FILE = path.join(repoRoot, 'demo', 'workspace', 'jobs', 'invoice-job.js');

export async function startWorkload(target: WorkloadTarget, options: WorkloadOptions): Promise<Workload> {
  const connection = (login: Login, application: string) => ({
    host: target.host,
    port: target.port,
    database: target.database,
    user: login.user,
    password: login.password,
    application_name: application,
  });
  const reconnectMs = options.reconnectMs ?? 10_000;
  const timers: NodeJS.Timeout[] = [];
  const sleepers = new Set<() => void>();
  let stopping = false;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  // Each application says a thing once, not every second while it lasts (a server that is down).
  const lastSaid = new Map<string, string>();
  const say = (application: string, text: string): void => {
    if (stopping || lastSaid.get(application) === text) return;
    lastSaid.set(application, text);
    options.log(`${application}: ${text}`);
  };
  const recovered = (application: string): void => {
    lastSaid.delete(application);
  };

  // orders-api: short queries and the occasional slow one, always released (pool.query). A
  // terminated idle client is dropped by the pool ('error'); a cancelled or terminated query fails
  // that one request, and pool.query discards its client.
  const api = new Pool({ ...connection(target.apps.ordersApi, 'orders-api'), max: 4, idleTimeoutMillis: 0 });
  api.on('error', (err) => say('orders-api', `${err.message} (the pool drops that client and connects a new one when it needs one)`));
  const apiTick = async (): Promise<void> => {
    try {
      if (Math.random() < 0.3) await api.query("SELECT count(*), pg_sleep(3 + random() * 4) FROM orders WHERE created_at > now() - interval '1 day'");
      else await api.query('SELECT count(*) FROM orders WHERE customer_id = $1', [1 + Math.floor(Math.random() * 50)]);
      recovered('orders-api');
    } catch (err) {
      const e = err as Error & { code?: string };
      say('orders-api', e.code === '57014' ? `a request failed: ${e.message} (the API goes on)` : `a request failed: ${e.message}`);
    }
  };
  for (let i = 0; i < 3; i++) timers.push(setInterval(() => void apiTick(), 1500 + i * 700));

  // report-worker: two sessions that forget to commit and one whose transaction failed. A session
  // that ends comes back after a while, as a job scheduler would restart the worker.
  const workers = new Set<Client>();
  const runWorker = async (abort: boolean): Promise<void> => {
    while (!stopping) {
      const client = new Client(connection(target.apps.reportWorker, 'report-worker'));
      const ended = new Promise<string>((resolve) => {
        client.on('error', (err) => resolve(err.message));
        client.on('end', () => resolve('connection closed'));
      });
      workers.add(client);
      let why: string;
      try {
        await client.connect();
        await client.query('BEGIN');
        if (abort) await client.query('SELECT total / 0 FROM orders LIMIT 1').catch(() => undefined);
        else await client.query('SELECT customer_id, sum(total) FROM orders GROUP BY customer_id');
        recovered('report-worker');
        why = await ended;
      } catch (err) {
        why = (err as Error).message;
      }
      workers.delete(client);
      void client.end().catch(() => undefined);
      if (stopping) return;
      say('report-worker', `${why}; it connects again in ${reconnectMs >= 1000 ? `${Math.round(reconnectMs / 1000)} s` : `${reconnectMs} ms`}`);
      await sleep(reconnectMs);
    }
  };
  const workerRuns = [runWorker(false), runWorker(false), runWorker(true)];

  // invoice-job: the workspace's code, run on a pool of its own. Every client gets an error listener
  // (as node-postgres advises): the job's code never releases the clients it leaks, so one whose
  // connection is gone is handed back here with its error, and the pool drops it.
  const job = new Pool({
    ...connection(target.apps.invoiceJob, 'invoice-job'),
    max: options.jobPoolSize,
    // A run waits this long for a free client, then gives up until the next run.
    connectionTimeoutMillis: Math.max(1000, Math.round(options.jobEveryMs / 4)),
  });
  job.on('error', () => undefined);
  const checkedOut = new Set<PoolClient>();
  job.on('acquire', (client) => checkedOut.add(client));
  job.on('release', (_err, client) => checkedOut.delete(client));
  job.on('connect', (client) => {
    const discard = (why: string): void => {
      if (!checkedOut.delete(client)) return;
      client.release(new Error(why));
      say('invoice-job', `lost a leaked client (${why}); ${checkedOut.size} still held, and it goes on leaking`);
      recovered('invoice-job');
    };
    client.on('error', (err) => discard(err.message));
    client.on('end', () => discard('connection closed'));
  });
  const jobFile = options.jobFile ?? INVOICE_JOB_FILE;
  const loadJob = (): InvoiceJob => {
    delete require.cache[require.resolve(jobFile)];
    return require(jobFile) as InvoiceJob;
  };
  loadJob();
  let exhausted = false;
  const jobRun = async (): Promise<void> => {
    try {
      const held = checkedOut.size;
      const sent = await loadJob().sendReminders(job, async () => undefined);
      exhausted = false;
      if (stopping) return;
      // A run that leaked or sent something says so every time; one that did neither says so once.
      if (sent > 0 || checkedOut.size > held) recovered('invoice-job');
      if (sent > 0) options.log(`invoice-job: reminded ${sent} customers of overdue invoices`);
      else if (checkedOut.size > held) options.log(`invoice-job: nothing to remind, and the client was never released (${checkedOut.size} of ${options.jobPoolSize} held)`);
      else say('invoice-job', `nothing to remind, and the client went back to the pool (${checkedOut.size} of ${options.jobPoolSize} still held from before)`);
    } catch (err) {
      const message = (err as Error).message;
      if (message.includes('timeout exceeded when trying to connect')) {
        if (!exhausted) say('invoice-job', `its pool is exhausted: all ${options.jobPoolSize} clients leaked, and its runs time out waiting for one`);
        exhausted = true;
      } else {
        say('invoice-job', `a run failed: ${message}`);
      }
    }
  };
  void jobRun();
  timers.push(setInterval(() => void jobRun(), options.jobEveryMs));

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      for (const t of timers) clearInterval(t);
      for (const wake of [...sleepers]) wake();
      for (const client of [...checkedOut]) client.release(true);
      checkedOut.clear();
      const ended = Promise.allSettled([api.end(), job.end(), ...[...workers].map((c) => c.end()), ...workerRuns]);
      // A pool waits for its checked-out clients (a slow query): a few seconds, then the process goes anyway.
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}
