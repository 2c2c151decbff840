// The settings the monitor needs for a refresh, made for that refresh's transaction only.
// Whatever a session-level SET (or set_config(..., false)) changes stays on the server connection;
// behind a transaction- or statement-pooling PgBouncer that connection is handed to an application
// next, which would inherit the monitor's statement_timeout, TimeZone or application_name. Even
// application_name in the startup packet leaks there: PgBouncer 1.18 applies it to the server
// connection with SET and leaves it for the next client that sends none (measured, see
// docs/pooler.md). So the monitor sends no application_name at connect and sets nothing for its
// session: every refresh sets what it needs with set_config(name, value, true), which ends with the
// refresh's own (implicit) transaction.

export const MONITOR_APPLICATION_NAME = 'pg-health monitor';

/** Marks every statement the monitor sends: what other tools see as its query in pg_stat_activity. */
export const MONITOR_QUERY_MARK = '/* pg-health monitor */';

export interface TransactionSettings {
  /** application_name while the transaction runs (pg_stat_activity shows it on the monitor's row). */
  applicationName: string;
  /** statement_timeout of each statement after this one in the transaction. */
  statementTimeoutMs: number;
}

export const DEFAULT_TRANSACTION_SETTINGS: TransactionSettings = { applicationName: MONITOR_APPLICATION_NAME, statementTimeoutMs: 5_000 };

// The values are the extension's own constants, but they are written into SQL text (a multi-statement
// simple query has no parameters), so they are checked rather than trusted.
const SAFE_NAME = /^[A-Za-z0-9 ._:-]{1,63}$/;

/**
 * One statement that sets, for the rest of the current transaction only, the monitor's
 * application_name and statement_timeout, and the DateStyle and TimeZone that fix the text form of the
 * timestamps it reads. Put it first in a multi-statement query: the statements of one simple query
 * run in one implicit transaction.
 */
export function transactionSettingsSql(settings: TransactionSettings): string {
  if (!SAFE_NAME.test(settings.applicationName)) throw new Error(`unsafe application_name for the monitor: ${JSON.stringify(settings.applicationName)}`);
  const timeout = Math.trunc(settings.statementTimeoutMs);
  if (!Number.isSafeInteger(timeout) || timeout < 0) throw new Error(`invalid statement timeout: ${settings.statementTimeoutMs}`);
  return `SELECT set_config('application_name', '${settings.applicationName}', true), set_config('statement_timeout', '${timeout}', true), set_config('DateStyle', 'ISO, MDY', true), set_config('TimeZone', 'UTC', true)`;
}
