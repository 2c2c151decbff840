// Shared set-up for the monitor tests: a ConnectionConfig and password source for a test server,
// and a monitor-style client opened through the production code path.
import { ConnectionConfig } from '../../../src/postgres/connectionConfig';
import { PasswordSources, resolveConnection } from '../../../src/postgres/connectionOptions';
import { OpenedClient, openClient } from '../../../src/postgres/openClient';
import { PgServer } from '../../support/postgresServer';
import { RoleLogin } from '../../support/pgSessions';

export function configFor(server: PgServer, login?: RoleLogin, name = 'test'): ConnectionConfig {
  return { name, host: server.host, port: server.port, database: server.database, user: login?.user ?? server.user, ssl: 'disable' };
}

/** Passwords from the "secret storage" only: no environment, no ~/.pgpass. */
export function secretOnly(password: string | undefined): PasswordSources {
  return { secretPassword: () => password, env: {}, homedir: '/nonexistent-home' };
}

export async function openMonitorClient(server: PgServer, login?: RoleLogin): Promise<OpenedClient> {
  const resolved = await resolveConnection(configFor(server, login), secretOnly(login?.password ?? server.password));
  return openClient(resolved, { onError: () => undefined, onEnd: () => undefined });
}
