// Go's rows of the catalogue: pgx (pgxpool, pgx.Conn) and database/sql, the two ways Go programs reach
// PostgreSQL. Every acquire here is the first result of a call whose last result is an error
// (`errorResult`): `conn, err := pool.Acquire(ctx)`; a name taken alone (Gin's `c.Query("id")`, a
// semaphore's `sem.Acquire(ctx, 1)`) is another API. Releasing again is harmless in both libraries
// (`defer tx.Rollback(ctx)` after `tx.Commit(ctx)` is the documented form), so no double-release.
import type { AcquireApi, LanguageCatalogue } from '../catalogue';

function goApi(id: string, method: string, releases: string[], noun: string, releaseHint: string, more: Partial<AcquireApi> = {}): AcquireApi {
  return {
    id,
    family: 'go',
    method,
    valueForm: true,
    errorResult: true,
    callbackForm: false,
    context: 'none',
    releases: releases.map((m) => ({ kind: 'method', method: m })),
    releaseIdempotent: true,
    noun,
    releaseHint,
    ...more,
  };
}

const ROWS_AFTER_CLOSE = /^(Err|Close|CommandTag)$/;

export const GO: LanguageCatalogue = {
  apis: [
    // pgxpool: a connection out of the pool until Release(); Hijack() takes it out of the pool for good.
    goApi('go.pgxpool.acquire', 'Acquire', ['Release', 'Hijack'], 'connection', 'conn.Release()', { releaseTemplate: '{var}.Release()' }),
    // database/sql: a dedicated connection until Close().
    goApi('go.sql.conn', 'Conn', ['Close'], 'connection', 'conn.Close()', { releaseTemplate: '{var}.Close()' }),
    // Rows hold their connection until Close() (or until Next() returns false, which an early return skips).
    goApi('go.rows.query', 'Query', ['Close'], 'rows', 'rows.Close()', { releaseTemplate: '{var}.Close()', usableAfterRelease: ROWS_AFTER_CLOSE }),
    goApi('go.rows.querycontext', 'QueryContext', ['Close'], 'rows', 'rows.Close()', { releaseTemplate: '{var}.Close()', usableAfterRelease: ROWS_AFTER_CLOSE }),
    // A transaction holds its connection until Commit() or Rollback().
    goApi('go.tx.begin', 'Begin', ['Commit', 'Rollback'], 'transaction', 'tx.Rollback(ctx)'),
    goApi('go.tx.begintx', 'BeginTx', ['Commit', 'Rollback'], 'transaction', 'tx.Rollback(ctx)'),
    // pgx batches: the connection is busy until the results are closed; SendBatch returns no error.
    goApi('go.pgx.sendbatch', 'SendBatch', ['Close'], 'batch', 'br.Close()', { releaseTemplate: '{var}.Close()', errorResult: false }),
  ],
  // Go reports failure in an error result, not by unwinding: a call ends the function early only
  // through `panic` (lowered as a throw), so every call is taken not to throw.
  nonThrowing: /(?:)/,
  endsProcess: /^(os\.Exit|log\.Fatal|log\.Fatalf|log\.Fatalln|\w+\.Fatal|\w+\.Fatalf|\w+\.FailNow)$/,
};
