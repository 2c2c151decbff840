// The demo's application traffic, with the real `pg` pool: a healthy API, a worker that leaves
// transactions open, one aborted transaction, and a leaky job that checks out a client every few
// seconds and never gives it back — the way production databases fill up. It survives whatever the
// extension lets a user do to its sessions, as a real application would: a terminated leaked client
// is dropped from the pool (and the job leaks again, so the count climbs back), a terminated worker
// reconnects after a while and opens a new transaction, a cancelled API query is logged.
import { Client, Pool, PoolClient } from 'pg';

export interface WorkloadTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface Workload {
  stop(): Promise<void>;
}

export interface WorkloadOptions {
  /** How many clients the leaky job takes before it stops leaking. */
  maxLeaks: number;
  leakEveryMs: number;
  /** How long a terminated report-worker waits before it connects again (default 10 s). */
  reconnectMs?: number;
  log: (line: string) => void;
}

export async function startWorkload(target: WorkloadTarget, options: WorkloadOptions): Promise<Workload> {
  const base = { host: target.host, port: target.port, user: target.user, password: target.password, database: target.database };
  const timers: NodeJS.Timeout[] = [];
  const workers = new Set<Client>();
  let stopping = false;
  const api = new Pool({ ...base, max: 4, application_name: 'orders-api', idleTimeoutMillis: 0 });
  const leaky = new Pool({ ...base, max: 50, application_name: 'invoice-job' });
  // An idle pooled client whose backend is terminated: the pool drops it and makes a new one when needed.
  api.on('error', (err) => options.log(`orders-api: ${err.message} (the pool replaces the client)`));
  leaky.on('error', () => undefined);
  const leaked = new Set<PoolClient>();

  // The API: short queries and the occasional slow one, always released.
  const apiTick = async (): Promise<void> => {
    try {
      const slow = Math.random() < 0.3;
      await api.query(slow ? 'SELECT pg_sleep(3 + random() * 4)' : 'SELECT count(*) FROM pg_class');
    } catch (err) {
      options.log(`orders-api: ${(err as Error).message}`);
    }
  };
  for (let i = 0; i < 3; i++) timers.push(setInterval(() => void apiTick(), 1500 + i * 700));

  // A worker that forgets to commit: two sessions idle in transaction, one aborted. A terminated one
  // comes back after a while, as a job scheduler would restart it.
  const startWorker = async (abort: boolean): Promise<void> => {
    const c = new Client({ ...base, application_name: 'report-worker' });
    let gone = false;
    const lost = (why: string): void => {
      if (gone) return;
      gone = true;
      workers.delete(c);
      void c.end().catch(() => undefined);
      if (stopping) return;
      options.log(`report-worker: ${why}; it connects again in ${Math.round((options.reconnectMs ?? 10_000) / 1000)} s`);
      const retry = setTimeout(() => {
        if (!stopping) startWorker(abort).catch((err: Error) => lost(err.message));
      }, options.reconnectMs ?? 10_000);
      timers.push(retry);
    };
    c.on('error', (err) => lost(err.message));
    c.on('end', () => lost('connection closed'));
    workers.add(c);
    await c.connect();
    await c.query('BEGIN');
    if (abort) await c.query('SELECT 1/0').catch(() => undefined);
    else await c.query('SELECT count(*) FROM pg_attribute');
  };
  await startWorker(false);
  await startWorker(false);
  await startWorker(true);

  // The leak: a client checked out and never released. A checked-out client has no pool listener:
  // without one of its own, a terminated backend would crash the process with an 'error' event.
  timers.push(
    setInterval(() => {
      if (leaked.size >= options.maxLeaks) return;
      leaky
        .connect()
        .then(async (client) => {
          leaked.add(client);
          client.on('error', (err) => {
            if (!leaked.delete(client)) return;
            // Handing the broken client back with its error makes the pool discard it.
            client.release(err);
            options.log(`invoice-job lost a leaked client (${err.message}); ${leaked.size} still held, and it keeps leaking`);
          });
          await client.query('SELECT 1');
          options.log(`invoice-job leaked a client (${leaked.size} held)`);
        })
        .catch((err: Error) => options.log(`invoice-job: ${err.message}`));
    }, options.leakEveryMs),
  );

  return {
    async stop() {
      stopping = true;
      for (const t of timers) clearInterval(t);
      for (const c of leaked) c.release(true);
      leaked.clear();
      await Promise.allSettled([api.end(), leaky.end(), ...[...workers].map((c) => c.end())]);
    },
  };
}
