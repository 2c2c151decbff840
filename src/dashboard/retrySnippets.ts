// Application-side advice for SQLSTATE 53300 (too_many_connections): wait and retry with
// exponential backoff and jitter instead of failing the request, so a short burst does not turn into
// errors and synchronised retries do not hit the server at the same instant.

export const NODE_POSTGRES_RETRY = `import { Pool } from 'pg';

const pool = new Pool({ max: 10, idleTimeoutMillis: 30_000 });

// 53300 too_many_connections: the server is full right now. Wait and try again
// (exponential backoff with jitter) instead of failing the request.
async function connectWithRetry(attempts = 5) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.connect();
    } catch (err) {
      if (err?.code !== '53300' || attempt + 1 >= attempts) throw err;
      const delayMs = Math.min(10_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

const client = await connectWithRetry();
try {
  await client.query('SELECT 1');
} finally {
  client.release(); // on every path: a client that is never released holds a slot forever
}
`;

export const PSYCOPG_RETRY = `import random
import time

import psycopg


def is_too_many_connections(err: psycopg.OperationalError) -> bool:
    # A refused connection reaches libpq as a message without a SQLSTATE, so fall back to the
    # server's text ("sorry, too many clients already" / "remaining connection slots are reserved").
    text = str(err)
    return err.sqlstate == "53300" or "too many clients" in text or "connection slots are reserved" in text


def connect_with_retry(conninfo: str, attempts: int = 5) -> psycopg.Connection:
    for attempt in range(attempts):
        try:
            return psycopg.connect(conninfo)
        except psycopg.OperationalError as err:
            if not is_too_many_connections(err) or attempt + 1 == attempts:
                raise
            # Exponential backoff with jitter, capped at 10 seconds.
            time.sleep(min(10.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))
    raise RuntimeError("unreachable")


# psycopg 3: leaving the block closes the connection (psycopg2's "with conn:" does not).
with connect_with_retry("postgresql://app@db.example/app") as conn:
    conn.execute("SELECT 1")
`;
