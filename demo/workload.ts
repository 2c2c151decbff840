// The demo's application traffic, with the real `pg` pool: a healthy API, a worker that leaves
// transactions open, one aborted transaction, and a leaky job that checks out a client every few
// seconds and never gives it back — the way production databases fill up.
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
  log: (line: string) => void;
}

export async function startWorkload(target: WorkloadTarget, options: WorkloadOptions): Promise<Workload> {
  const base = { host: target.host, port: target.port, user: target.user, password: target.password, database: target.database };
  const timers: NodeJS.Timeout[] = [];
  const clients: Client[] = [];
  const api = new Pool({ ...base, max: 4, application_name: 'orders-api', idleTimeoutMillis: 0 });
  const leaky = new Pool({ ...base, max: 50, application_name: 'invoice-job' });
  api.on('error', () => undefined);
  leaky.on('error', () => undefined);
  const leaked: PoolClient[] = [];

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

  // A worker that forgets to commit: two sessions idle in transaction, one aborted.
  for (let i = 0; i < 2; i++) {
    const c = new Client({ ...base, application_name: 'report-worker' });
    c.on('error', () => undefined);
    await c.connect();
    await c.query('BEGIN');
    await c.query('SELECT count(*) FROM pg_attribute');
    clients.push(c);
  }
  const aborted = new Client({ ...base, application_name: 'report-worker' });
  aborted.on('error', () => undefined);
  await aborted.connect();
  await aborted.query('BEGIN');
  await aborted.query('SELECT 1/0').catch(() => undefined);
  clients.push(aborted);

  // The leak: a client checked out and never released.
  timers.push(
    setInterval(() => {
      if (leaked.length >= options.maxLeaks) return;
      leaky
        .connect()
        .then(async (client) => {
          leaked.push(client);
          await client.query('SELECT 1');
          options.log(`invoice-job leaked a client (${leaked.length} so far)`);
        })
        .catch((err: Error) => options.log(`invoice-job: ${err.message}`));
    }, options.leakEveryMs),
  );

  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      for (const c of leaked) c.release(true);
      await Promise.allSettled([api.end(), leaky.end(), ...clients.map((c) => c.end())]);
    },
  };
}
