// C#'s rows of the catalogue: Npgsql (NpgsqlDataSource, NpgsqlConnection).
//
// A pooled connection is held from the call that opens it: `dataSource.OpenConnection[Async]()` (the
// result is the connection), or `conn.Open[Async]()` on an NpgsqlConnection the method created
// (`new NpgsqlConnection(cs)`, `dataSource.CreateConnection()`: the lowering marks that variable, see
// lowering/csharp.ts markValue). Creating the object takes nothing from the pool, and an `Open()` that
// throws leaves nothing open, so `var conn = new NpgsqlConnection(cs); conn.Open(); try { … } finally
// { conn.Close(); }` is safe. `Dispose`, `DisposeAsync`, `Close` and `CloseAsync` each give it back.
import type { AcquireApi, LanguageCatalogue, ReleaseSpec } from '../catalogue';

const RELEASES: ReleaseSpec[] = [
  { kind: 'method', method: 'Dispose' },
  { kind: 'method', method: 'DisposeAsync' },
  { kind: 'method', method: 'Close' },
  { kind: 'method', method: 'CloseAsync' },
];

/** A receiver named for a data source: `dataSource`, `_dataSource`, `ds`, `NpgsqlDataSource`, `readDataSource`. */
const DATA_SOURCE = /^(_?ds|\w*[dD]ataSource)$/;

function row(id: string, method: string, more: Partial<AcquireApi>): AcquireApi {
  return {
    id,
    family: 'cs',
    method,
    valueForm: true,
    callbackForm: false,
    context: 'none',
    releases: RELEASES,
    // IDisposable: Dispose may be called any number of times; Npgsql's Close on a closed connection does nothing.
    releaseIdempotent: true,
    noun: 'connection',
    releaseHint: 'conn.Dispose()',
    releaseTemplate: '{var}.Dispose()',
    ...more,
  };
}

/** Constructors that borrow the connection they are given (the command does not dispose it): not a hand-over. */
export const BORROWS_CONNECTION = /^Npgsql(Command|Batch|BatchCommand|DataAdapter|CommandBuilder)$/;

const POSTGRES = /^[ \t]*(global[ \t]+)?using[ \t]+(static[ \t]+)?(\w+[ \t]*=[ \t]*)?Npgsql\b/m;
const FOREIGN = /^[ \t]*(global[ \t]+)?using[ \t]+(static[ \t]+)?(\w+[ \t]*=[ \t]*)?(Microsoft\.Data\.SqlClient|System\.Data\.SqlClient|MySqlConnector|MySql\.Data|Microsoft\.Data\.Sqlite|System\.Data\.SQLite|Oracle\.ManagedDataAccess|IBM\.Data|FirebirdSql|Snowflake\.Data|ClickHouse)\b/m;

export const CSHARP: LanguageCatalogue = {
  apis: [
    row('npgsql.datasource.open', 'OpenConnection', { receiver: DATA_SOURCE }),
    row('npgsql.datasource.open-async', 'OpenConnectionAsync', { receiver: DATA_SOURCE }),
    row('npgsql.connection.open', 'Open', { onInstance: true, className: 'NpgsqlConnection' }),
    row('npgsql.connection.open-async', 'OpenAsync', { onInstance: true, className: 'NpgsqlConnection' }),
  ],
  // Loggers, console output, string building.
  // Also filling in a command's parameters (client-side: no round trip to fail), and constructing a
  // command, batch, adapter or parameter (they keep their arguments; the round trip is their Execute or
  // Fill), or an empty DataTable / DataSet. A command's constructor is still a use of the connection it
  // is given: the lowering names that connection as its receiver (lowering/csharp.ts newObject).
  nonThrowing:
    /^((this\.)?(_?log|_?logger|Log|Logger)\.\w+|Console\.(Write|WriteLine)|[sS]tring\.(Format|Join|Concat)|Math\.\w+|\w*Exception|nameof|[\w.]*\.Parameters\.(Add|AddWithValue|Clear)|(Npgsql\.)?Npgsql(Command|Batch|BatchCommand|DataAdapter|CommandBuilder|Parameter)|(System\.Data\.)?(DataTable|DataSet))$/,
  endsProcess: /^(Environment\.(Exit|FailFast))$/,
  // `using Npgsql;` (or a fully qualified `Npgsql.` name) is PostgreSQL's; a file that only uses
  // another database's ADO.NET client is not.
  imports: (text) => ({
    postgres: POSTGRES.test(text) || /\bNpgsql\.Npgsql\w+/.test(text),
    foreign: FOREIGN.test(text),
  }),
};
