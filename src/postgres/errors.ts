// Turns errors from pg, Node's sockets and TLS, and our own configuration checks into one sentence a
// user understands, plus whether retrying can help. The monitor retries transient errors with
// backoff and stops on permanent ones (a wrong password does not get better by hammering the server).
import * as l10n from '@vscode/l10n';
import { ConnectionConfigError } from './connectionString';
import { PasswordMissingError } from './connectionOptions';

export type ErrorKind =
  | 'wrong-password'
  | 'password-missing'
  | 'role-missing'
  | 'database-missing'
  | 'not-allowed'
  | 'too-many-clients'
  | 'unreachable'
  | 'tls-required'
  | 'tls-unsupported'
  | 'tls-verify-failed'
  | 'ca-file-missing'
  | 'malformed-config'
  | 'permission-denied'
  | 'statement-timeout'
  | 'query-cancelled'
  | 'server-starting'
  | 'server-shutting-down'
  | 'terminated-by-admin'
  | 'connection-lost'
  | 'unknown';

export interface DescribedError {
  kind: ErrorKind;
  /** One sentence for the tree node, the CLI or the action's result. Never contains a password. */
  message: string;
  /** Retrying cannot help until the configuration (or the server's setup) changes. */
  permanent: boolean;
  /** SQLSTATE when the server sent one. */
  sqlState?: string;
}

interface ErrorFields {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  errors?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);
const TLS_VERIFY_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

export function describeError(error: unknown): DescribedError {
  if (error instanceof ConnectionConfigError) {
    const caMissing = error.caFileMissing || /CA file .* does not exist/.test(error.message);
    return { kind: caMissing ? 'ca-file-missing' : 'malformed-config', message: error.message, permanent: true };
  }
  if (error instanceof PasswordMissingError) return { kind: 'password-missing', message: error.message, permanent: true };

  const fields = asFields(error);
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const rawMessage = typeof fields.message === 'string' ? fields.message : String(error);
  const message = redactSecrets(rawMessage);

  if (code && /^[0-9A-Z]{5}$/.test(code)) return describeSqlState(code, message, fields);

  // Node reports an unreachable dual-stack host as an AggregateError whose parts carry the codes.
  const networkCode = code ?? firstNestedCode(fields.errors);
  if (networkCode && NETWORK_CODES.has(networkCode)) return unreachable(networkCode);
  if (networkCode && TLS_VERIFY_CODES.test(networkCode)) {
    return { kind: 'tls-verify-failed', message: l10n.t("The server's TLS certificate was not accepted ({0}); check sslRootCert and the host name.", networkCode), permanent: true };
  }
  if (/does not support SSL/i.test(rawMessage)) {
    return { kind: 'tls-unsupported', message: l10n.t('The server does not support TLS (SSL) connections; use ssl "prefer" or "disable" for this server.'), permanent: true };
  }
  if (/connection timeout|timeout expired/i.test(rawMessage)) {
    return { kind: 'unreachable', message: l10n.t('Server not reachable: it did not answer in time (check host, port and firewall).'), permanent: false };
  }
  if (/Connection terminated|ended unexpectedly|Client has encountered a connection error|not queryable|socket hang up/i.test(rawMessage)) {
    return { kind: 'connection-lost', message: l10n.t('The connection to the server was lost.'), permanent: false };
  }
  if (/Invalid URL|connection string/i.test(rawMessage)) {
    return { kind: 'malformed-config', message: l10n.t('The connection string is not valid.'), permanent: true };
  }
  if (/SASL|password must be a string/i.test(rawMessage)) {
    return { kind: 'password-missing', message: l10n.t('The server asked for a password and none was available (SecretStorage, PGPASSWORD or ~/.pgpass).'), permanent: true };
  }
  return { kind: 'unknown', message, permanent: false };
}

function describeSqlState(sqlState: string, message: string, fields: ErrorFields): DescribedError {
  const make = (kind: ErrorKind, text: string, permanent: boolean): DescribedError => ({ kind, message: text, permanent, sqlState });
  switch (sqlState) {
    case '28P01':
      // With password authentication PostgreSQL also answers this for roles that do not exist.
      return make('wrong-password', l10n.t({ message: 'Wrong password (or no such role): {0}.', args: [message], comment: ["{0} is the server's own error message"] }), true);
    case '28000':
      if (/no pg_hba\.conf entry/i.test(message) && /no encryption/i.test(message)) {
        return make('tls-required', l10n.t('The server only accepts TLS (SSL) connections from here: set ssl to "require" or "verify-full".'), true);
      }
      if (/role .* does not exist/i.test(message)) return make('role-missing', l10n.t({ message: 'Role missing: {0}.', args: [message], comment: ["{0} is the server's own error message"] }), true);
      return make('not-allowed', l10n.t({ message: 'The server does not allow this connection (pg_hba.conf): {0}.', args: [message], comment: ["{0} is the server's own error message"] }), true);
    case '3D000':
      return make('database-missing', l10n.t({ message: 'Database missing: {0}.', args: [message], comment: ["{0} is the server's own error message"] }), true);
    case '53300':
    case '53400':
      return make(
        'too-many-clients',
        /reserved/i.test(message)
          ? l10n.t({ message: 'Too many clients: the remaining connection slots are reserved ({0}).', args: [message], comment: ["{0} is the server's own error message"] })
          : l10n.t({ message: 'Too many clients: the server has no free connection slot ({0}).', args: [message], comment: ["{0} is the server's own error message"] }),
        false,
      );
    case '42501':
      return make(
        'permission-denied',
        l10n.t({ message: 'Permission denied: {0}.', args: [typeof fields.detail === 'string' ? `${message} ${fields.detail}` : message], comment: ['{0} is the server\'s own error message and its detail'] }),
        /database/i.test(message),
      );
    case '57014':
      return /statement timeout/i.test(message)
        ? make('statement-timeout', l10n.t('The monitor query hit its statement timeout (the server is slow to answer).'), false)
        : make('query-cancelled', l10n.t('The query was cancelled.'), false);
    case '57P01':
      return make('terminated-by-admin', l10n.t('The monitor connection was terminated by an administrator (pg_terminate_backend or a shutdown).'), false);
    case '57P02':
      return make('server-shutting-down', l10n.t('The server crashed or was shut down immediately.'), false);
    case '57P03':
      return /shutting down/i.test(message)
        ? make('server-shutting-down', l10n.t('The server is shutting down.'), false)
        : make('server-starting', l10n.t('The server is starting up or recovering and does not accept connections yet.'), false);
    case '08P01':
      return /SSL|encryption/i.test(message)
        ? make('tls-required', l10n.t({ message: 'The server requires TLS (SSL): {0}.', args: [message], comment: ["{0} is the server's own error message"] }), true)
        : make('connection-lost', l10n.t({ message: 'Protocol error: {0}.', args: [message], comment: ["{0} is the server's own error message"] }), false);
    default:
      if (sqlState.startsWith('08')) return make('connection-lost', l10n.t({ message: 'Connection problem: {0}.', args: [message], comment: ["{0} is the server's own error message"] }), false);
      if (sqlState.startsWith('57P')) return make('server-shutting-down', `${message}.`, false);
      return make('unknown', message, false);
  }
}

function unreachable(code: string): DescribedError {
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return { kind: 'connection-lost', message: l10n.t('The connection to the server was lost ({0}).', code), permanent: false };
  }
  return { kind: 'unreachable', message: notReachable(code), permanent: false };
}

function notReachable(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return l10n.t('Server not reachable: connection refused (is PostgreSQL running and listening on this host and port?).');
    case 'ENOTFOUND':
      return l10n.t('Server not reachable: unknown host name.');
    case 'EAI_AGAIN':
      return l10n.t('Server not reachable: the host name could not be resolved right now.');
    case 'ETIMEDOUT':
      return l10n.t('Server not reachable: the connection timed out.');
    case 'EHOSTUNREACH':
      return l10n.t('Server not reachable: no route to host.');
    case 'ENETUNREACH':
      return l10n.t('Server not reachable: network unreachable.');
    default:
      return l10n.t({ message: 'Server not reachable: {0}.', args: [code], comment: ['{0} is a network error code ("EADDRNOTAVAIL")'] });
  }
}

function asFields(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? (error as ErrorFields) : {};
}

function firstNestedCode(errors: unknown): string | undefined {
  if (!Array.isArray(errors)) return undefined;
  for (const nested of errors as unknown[]) {
    const code = asFields(nested).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

// The user info of a URI up to its last '@' (a password may hold an unencoded '@', '/' or ':').
const URI_PASSWORD = /(:\/\/[^:/?#@\s]*:)\S*@/g;
// password=…, password: …, "password": "…", passwd/pwd, with quoted values that may escape quotes.
const PASSWORD_PAIR = /((?:passw(?:or)?d|pwd)["']?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+)/gi;

/** Removes URI passwords and password pairs (key=value, key: value, JSON) from text we did not write ourselves. */
export function redactSecrets(text: string): string {
  return text.replace(URI_PASSWORD, '$1***@').replace(PASSWORD_PAIR, '$1***');
}
