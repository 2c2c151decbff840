// Login roles with chosen passwords for the reliability scenarios (pgSessions.createRole derives the
// password from the name; here the passwords are the distinctive ones the secrets scenario greps for).
import { Client } from 'pg';
import { PgServer } from '../../support/postgresServer';
import { MONITOR_SESSION_FILTER, RoleLogin } from '../../support/pgSessions';
import { registerSecret } from './evidence';

export async function createLoginRole(server: PgServer, user: string, password: string, grants: string[] = []): Promise<RoleLogin> {
  registerSecret(password);
  const admin = await server.connect();
  try {
    // The test servers run with synchronous_commit off: an immediate shutdown could lose the role.
    await admin.query('SET synchronous_commit TO on');
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(user)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    for (const grant of grants) await admin.query(`GRANT ${grant} TO ${admin.escapeIdentifier(user)}`);
  } finally {
    await admin.end();
  }
  return { user, password };
}

/** A plain client of `login` (an application's connection); errors after connect are ignored. */
export async function connectClient(server: PgServer, login: RoleLogin, applicationName: string): Promise<Client> {
  const client = new Client({ host: server.host, port: server.port, database: server.database, user: login.user, password: login.password, application_name: applicationName });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Runs `work` on a fresh superuser connection (restarts break long-lived ones). */
export async function asSuperuser<T>(server: PgServer, work: (client: Client) => Promise<T>): Promise<T> {
  const client = await server.connect();
  client.on('error', () => undefined);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** pids of the monitor connections the server sees (application_name 'pg-health monitor'). */
export async function monitorBackends(server: PgServer): Promise<number[]> {
  return asSuperuser(server, async (c) => {
    const { rows } = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE ${MONITOR_SESSION_FILTER} ORDER BY pid`);
    return rows.map((r) => r.pid);
  });
}

export async function closeAll(clients: Client[]): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
}
