// Opens one pg.Client for monitoring: tries the TLS/plain variants sslmode asks for, then reads, in
// one transaction that sets nothing, the backend's pid, the server version, what tells a connection
// pooler from a direct connection (see pooler.ts) and the idle_session_timeout the server will apply
// to this session (the monitor answers it with heartbeats instead of changing it: see
// transactionSettings.ts for why it changes no session setting).
// `pg` is loaded on the first connection, not when the extension activates (its modules cost more to
// load than the rest of the extension's start-up).
import type { Client } from 'pg';
import { ResolvedConnection } from './connectionOptions';
import { describeError } from './errors';
import { detectPooler, Endpoints, LinkFacts, PoolerInfo, ServerFacts } from './pooler';
import { MONITOR_QUERY_MARK } from './transactionSettings';

export interface OpenedClient {
  client: Client;
  /** The backend that ran the first transaction (through a pooler, later ones may run elsewhere). */
  pid: number;
  serverVersionNum: number;
  /** Set when a connection pooler sits between the client and PostgreSQL. */
  pooler: PoolerInfo | undefined;
  /** Where the connection goes and where PostgreSQL itself listens, as it reports it. */
  endpoints: Endpoints;
  /** The server's idle_session_timeout for this session in ms (0: off; null before PostgreSQL 14). */
  idleSessionTimeoutMs: number | null;
}

export interface OpenOptions {
  /** Errors the client emits outside a query (a terminated backend, a dropped socket). */
  onError: (error: Error, client: Client) => void;
  /** The connection closed, for whatever reason. */
  onEnd: (client: Client) => void;
}

export async function openClient(resolved: ResolvedConnection, options: OpenOptions): Promise<OpenedClient> {
  const { Client } = await import('pg');
  let lastError: unknown;
  for (let i = 0; i < resolved.attempts.length; i++) {
    const config = resolved.attempts[i];
    if (!config) continue;
    const client = new Client(config);
    withoutApplicationName(client);
    // pg emits 'error' on an idle client when the backend goes away; without a listener Node throws.
    // Until the client is handed over, errors only fail the attempt.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      lastError = error;
      if (i + 1 < resolved.attempts.length && shouldTryNext(resolved.target.sslMode, error)) continue;
      throw error;
    }
    try {
      const setup = await client.query<SetupRow>(SETUP_SQL);
      const row = setup.rows[0];
      if (!row) throw new Error('the connection setup query returned no row');
      client.on('error', (error: Error) => options.onError(error, client));
      client.on('end', () => options.onEnd(client));
      const server: ServerFacts = { pid: row.pid, clientPort: row.client_port, serverAddress: row.server_address, serverPort: row.server_port };
      const link = linkFacts(client);
      return {
        client,
        pid: row.pid,
        serverVersionNum: row.server_version_num,
        pooler: detectPooler(link, server),
        endpoints: { serverAddress: row.server_address, serverPort: row.server_port, viaPort: link.remotePort },
        idleSessionTimeoutMs: row.idle_session_timeout,
      };
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }
  throw lastError ?? new Error('no connection attempt was made');
}

interface SetupRow {
  pid: number;
  server_version_num: number;
  client_port: number | null;
  server_address: string | null;
  server_port: number | null;
  idle_session_timeout: number | null;
}

// Reads only. idle_session_timeout is PG14+: through pg_settings its absence is a NULL, not an error.
const SETUP_SQL = `${MONITOR_QUERY_MARK}
SELECT pg_backend_pid() AS pid,
       current_setting('server_version_num')::int AS server_version_num,
       inet_client_port() AS client_port,
       host(inet_server_addr()) AS server_address,
       inet_server_port() AS server_port,
       (SELECT setting::int FROM pg_settings WHERE name = 'idle_session_timeout') AS idle_session_timeout`;

/**
 * pg sends PGAPPNAME as application_name when the config has none; the monitor must send none (a
 * pooler would pass it on to other clients, see transactionSettings.ts).
 */
function withoutApplicationName(client: Client): void {
  const params = (client as unknown as { connectionParameters?: Record<string, unknown> }).connectionParameters;
  if (params) {
    params['application_name'] = undefined;
    params['fallback_application_name'] = undefined;
  }
}

/** The client's end: the pid the server announced at startup and the socket's local port. */
function linkFacts(client: Client): LinkFacts {
  // processID is public in pg but missing from @types/pg; the socket is pg's `connection.stream`.
  const internals = client as unknown as { processID?: number | null; connection?: { stream?: { localPort?: number; remotePort?: number } } };
  const stream = internals.connection?.stream;
  const port = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  return { announcedPid: port(internals.processID), localPort: port(stream?.localPort), remotePort: port(stream?.remotePort) };
}

function shouldTryNext(sslMode: string, error: unknown): boolean {
  const kind = describeError(error).kind;
  if (sslMode === 'prefer') return kind === 'tls-unsupported';
  if (sslMode === 'allow') return kind === 'tls-required' || kind === 'not-allowed';
  return false;
}
