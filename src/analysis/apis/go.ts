// Go's rows of the catalogue: pgx (pgxpool, pgx.Conn) and database/sql, the two ways Go programs reach
// PostgreSQL. Every acquire here is the first result of a call whose last result is an error
// (`errorResult`): `conn, err := pool.Acquire(ctx)`; a name taken alone (Gin's `c.Query("id")`, a
// semaphore's `sem.Acquire(ctx, 1)`) is another API. Releasing again is harmless in both libraries
// (`defer tx.Rollback(ctx)` after `tx.Commit(ctx)` is the documented form), so no double-release.
import type { AcquireApi, LanguageCatalogue, ReleaseSpec } from '../catalogue';

function goApi(id: string, method: string, releases: string[], noun: string, releaseHint: string, options: Partial<AcquireApi> & { more?: ReleaseSpec[] } = {}): AcquireApi {
  const { more: releasedBy = [], ...more } = options;
  return {
    id,
    family: 'go',
    method,
    valueForm: true,
    errorResult: true,
    callbackForm: false,
    context: 'none',
    releases: [...releases.map((m): ReleaseSpec => ({ kind: 'method', method: m })), ...releasedBy],
    releaseIdempotent: true,
    noun,
    releaseHint,
    ...more,
  };
}

const ROWS_AFTER_CLOSE = /^(Err|Close|CommandTag)$/;

// Functions that read rows to the end and close them whatever happens: pgx's collectors (`pgx.CollectRows(rows,
// pgx.RowTo[T])`, documented to close the rows) and scany's (`pgxscan.ScanAll(&dst, rows)`, `sqlscan.ScanOne`).
// Handing the rows to one of them is their release.
const PGX = /^pgx$/;
const SCANY = /^(pgxscan|sqlscan|dbscan)$/;
const ROWS_CONSUMED: ReleaseSpec[] = [
  { kind: 'call', method: 'CollectRows', receiver: PGX, argument: 0 },
  { kind: 'call', method: 'CollectOneRow', receiver: PGX, argument: 0 },
  { kind: 'call', method: 'CollectExactlyOneRow', receiver: PGX, argument: 0 },
  { kind: 'call', method: 'ForEachRow', receiver: PGX, argument: 0 },
  { kind: 'call', method: 'AppendRows', receiver: PGX, argument: 1 },
  { kind: 'call', method: 'ScanAll', receiver: SCANY, argument: 1 },
  { kind: 'call', method: 'ScanOne', receiver: SCANY, argument: 1 },
];

export const GO: LanguageCatalogue = {
  apis: [
    // pgxpool: a connection out of the pool until Release(); Hijack() takes it out of the pool for good.
    goApi('go.pgxpool.acquire', 'Acquire', ['Release', 'Hijack'], 'connection', 'conn.Release()', { releaseTemplate: '{var}.Release()' }),
    // database/sql: a dedicated connection until Close().
    goApi('go.sql.conn', 'Conn', ['Close'], 'connection', 'conn.Close()', { releaseTemplate: '{var}.Close()' }),
    // Rows hold their connection until Close() (or until Next() returns false, which an early return skips).
    goApi('go.rows.query', 'Query', ['Close'], 'rows', 'rows.Close()', { releaseTemplate: '{var}.Close()', usableAfterRelease: ROWS_AFTER_CLOSE, more: ROWS_CONSUMED }),
    goApi('go.rows.querycontext', 'QueryContext', ['Close'], 'rows', 'rows.Close()', { releaseTemplate: '{var}.Close()', usableAfterRelease: ROWS_AFTER_CLOSE, more: ROWS_CONSUMED }),
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

/**
 * The methods each acquire's value has, by the acquire's method name (pgx v4/v5, database/sql, sqlx):
 * a value the code calls another method on (`t.DeleteRevision(ctx)`, `result.CSV()`) is some other
 * type that the workspace's own `BeginTx` or `Query` returns, not one of these.
 */
const TX_METHODS =
  'Commit|Rollback|Exec|ExecContext|Query|QueryContext|QueryRow|QueryRowContext|Prepare|PrepareContext|Stmt|StmtContext|Begin|BeginFunc|CopyFrom|SendBatch|LargeObjects|Conn|QueryFunc|' +
  'Get|Select|GetContext|SelectContext|NamedExec|NamedExecContext|NamedQuery|NamedQueryContext|MustExec|MustExecContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|Preparex|PreparexContext|PrepareNamed|PrepareNamedContext|Rebind|BindNamed|DriverName|Unsafe|Stmtx|StmtxContext|NamedStmt|NamedStmtContext';
const ROWS_METHODS = 'Close|ColumnTypes|Columns|Err|Next|NextResultSet|Scan|CommandTag|FieldDescriptions|Values|RawValues|Conn|StructScan|MapScan|SliceScan';
export const GO_RESOURCE_METHODS: Readonly<Record<string, RegExp>> = {
  Acquire: /^(Release|Hijack|Exec|Query|QueryRow|QueryFunc|SendBatch|CopyFrom|Begin|BeginTx|BeginFunc|BeginTxFunc|Conn|Ping)$/,
  Conn: /^(BeginTx|BeginTxx|Close|ExecContext|PingContext|PrepareContext|PreparexContext|QueryContext|QueryxContext|QueryRowContext|QueryRowxContext|GetContext|SelectContext|Raw|Rebind)$/,
  Query: new RegExp(`^(${ROWS_METHODS})$`),
  QueryContext: new RegExp(`^(${ROWS_METHODS})$`),
  Begin: new RegExp(`^(${TX_METHODS})$`),
  BeginTx: new RegExp(`^(${TX_METHODS})$`),
  SendBatch: /^(Exec|Query|QueryRow|QueryFunc|Close)$/,
};
