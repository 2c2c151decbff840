// Real sessions in every state pg_stat_activity knows, for the monitor's tests: idle, active
// (pg_sleep), idle in transaction, idle in transaction (aborted), and a lock waiter blocked by a
// holder. Each is a separate connection with its own application_name.
import { Client } from 'pg';
import { PgServer } from './postgresServer';

/** Polls `probe` until it returns something truthy; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Picks the monitors' backends out of pg_stat_activity: the monitor sends no application_name at
 * connect (a pooler would pass it on), but every statement it sends starts with its mark.
 */
export const MONITOR_SESSION_FILTER = "backend_type = 'client backend' AND query LIKE '/* pg-health monitor%'";

export interface RoleLogin {
  user: string;
  password: string;
}

/** Creates a login role (dropped with the server). */
export async function createRole(server: PgServer, user: string, options: { grants?: string[]; superuser?: boolean } = {}): Promise<RoleLogin> {
  const password = `pw-${user}`;
  const admin = await server.connect();
  try {
    // Identifiers cannot be parameters; test role names are fixed literals.
    await admin.query(`CREATE ROLE ${user} LOGIN ${options.superuser ? 'SUPERUSER' : ''} PASSWORD '${password}'`);
    for (const grant of options.grants ?? []) await admin.query(`GRANT ${grant} TO ${user}`);
  } finally {
    await admin.end();
  }
  return { user, password };
}

export async function connectAs(server: PgServer, login: RoleLogin | undefined, applicationName: string): Promise<Client> {
  const client = new Client({
    host: server.host,
    port: server.port,
    database: server.database,
    user: login?.user ?? server.user,
    password: login?.password ?? server.password,
    application_name: applicationName,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export type FixtureState = 'idle' | 'active' | 'idleInTransaction' | 'aborted' | 'holder' | 'waiter';

export interface FixtureSessions {
  pids: Record<FixtureState, number>;
  applicationNames: Record<FixtureState, string>;
  /** Terminates the fixture backends (a pg_sleep would outlive a closed socket) and closes the clients. */
  close(): Promise<void>;
}

export async function openSessionsInEveryState(server: PgServer, options: { login?: RoleLogin; prefix?: string } = {}): Promise<FixtureSessions> {
  const prefix = options.prefix ?? 'fixture';
  const admin = await server.connect();
  await admin.query(`CREATE TABLE IF NOT EXISTS ${prefix}_locked (id int)`);
  if (options.login) await admin.query(`GRANT ALL ON ${prefix}_locked TO ${options.login.user}`);
  await admin.end();

  const states: FixtureState[] = ['idle', 'active', 'idleInTransaction', 'aborted', 'holder', 'waiter'];
  const applicationNames = Object.fromEntries(states.map((s) => [s, `${prefix}-${s}`])) as Record<FixtureState, string>;
  const clients = new Map<FixtureState, Client>();
  const pending: Array<Promise<unknown>> = [];
  for (const state of states) clients.set(state, await connectAs(server, options.login, applicationNames[state]));
  const get = (state: FixtureState): Client => {
    const client = clients.get(state);
    if (!client) throw new Error(state);
    return client;
  };
  const pids = {} as Record<FixtureState, number>;
  for (const state of states) {
    const { rows } = await get(state).query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    pids[state] = rows[0]?.pid ?? 0;
  }

  await get('idle').query('SELECT 1');
  pending.push(get('active').query('SELECT pg_sleep(60)').catch(() => undefined));
  await get('idleInTransaction').query('BEGIN');
  await get('idleInTransaction').query('SELECT 1');
  await get('aborted').query('BEGIN');
  await get('aborted').query('SELECT 1/0').catch(() => undefined);
  await get('holder').query('BEGIN');
  await get('holder').query(`LOCK TABLE ${prefix}_locked IN ACCESS EXCLUSIVE MODE`);
  pending.push(get('waiter').query(`SELECT count(*) FROM ${prefix}_locked`).catch(() => undefined));

  const observer = await server.connect();
  try {
    await waitFor('fixture sessions to reach their states', async () => {
      const { rows } = await observer.query<{ pid: number; state: string; wait_event_type: string | null }>(
        'SELECT pid, state, wait_event_type FROM pg_stat_activity WHERE pid = ANY($1::int[])',
        [Object.values(pids)],
      );
      const byPid = new Map(rows.map((r) => [r.pid, r]));
      return (
        byPid.get(pids.active)?.state === 'active' &&
        byPid.get(pids.waiter)?.wait_event_type === 'Lock' &&
        byPid.get(pids.aborted)?.state === 'idle in transaction (aborted)'
      );
    });
  } finally {
    await observer.end();
  }

  return {
    pids,
    applicationNames,
    async close() {
      const killer = await server.connect();
      try {
        await killer.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])', [Object.values(pids)]);
        await waitFor('fixture backends to exit', async () => {
          const { rows } = await killer.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [Object.values(pids)]);
          return rows[0]?.n === 0;
        });
      } finally {
        await killer.end();
      }
      await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
      await Promise.all(pending);
    },
  };
}
