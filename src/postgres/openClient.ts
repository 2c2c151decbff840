// Opens one pg.Client for monitoring: tries the TLS/plain variants sslmode asks for, then prepares
// the session (short statement_timeout; no idle_session_timeout, so a monitor that is leased but
// paused is not dropped by the server and can still see a full server).
// `pg` is loaded on the first connection, not when the extension activates (its modules cost more to
// load than the rest of the extension's start-up).
import type { Client } from 'pg';
import { ResolvedConnection } from './connectionOptions';
import { describeError } from './errors';

export interface OpenedClient {
  client: Client;
  /** The monitor's own backend pid: never a candidate for terminate. */
  pid: number;
  serverVersionNum: number;
}

export interface OpenOptions {
  /** statement_timeout of the monitor session; keep it short so a stuck refresh fails fast. */
  statementTimeoutMs: number;
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
      const setup = await client.query<{ pid: number; server_version_num: number }>(SETUP_SQL, [String(options.statementTimeoutMs)]);
      const row = setup.rows[0];
      if (!row) throw new Error('the session setup query returned no row');
      client.on('error', (error: Error) => options.onError(error, client));
      client.on('end', () => options.onEnd(client));
      return { client, pid: row.pid, serverVersionNum: row.server_version_num };
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }
  throw lastError ?? new Error('no connection attempt was made');
}

// set_config through pg_settings only touches settings this server version has (idle_session_timeout
// is PG14+). is_local = false: the monitor runs in autocommit, so it lasts for the session.
// DateStyle and TimeZone fix the text form of the timestamps the snapshot reads (see snapshotQuery).
const SETUP_SQL = `
SELECT pg_backend_pid() AS pid,
       current_setting('server_version_num')::int AS server_version_num,
       (SELECT count(set_config(s.name, v.value, false))
          FROM (VALUES ('statement_timeout', $1::text), ('idle_session_timeout', '0'), ('DateStyle', 'ISO, MDY'), ('TimeZone', 'UTC')) AS v(name, value)
          JOIN pg_settings s ON s.name = v.name) AS applied`;

function shouldTryNext(sslMode: string, error: unknown): boolean {
  const kind = describeError(error).kind;
  if (sslMode === 'prefer') return kind === 'tls-unsupported';
  if (sslMode === 'allow') return kind === 'tls-required' || kind === 'not-allowed';
  return false;
}
