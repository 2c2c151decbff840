// Parses libpq connection strings (postgresql:// URIs and key=value pairs) ourselves instead of
// handing them to `pg`: pg reads sslrootcert files with raw ENOENT errors, lets URI values override
// our explicit settings, and echoes its input in some errors. Here every failure is a
// ConnectionConfigError whose message never contains the string (it may hold a password).
import * as l10n from '@vscode/l10n';

export type LibpqSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface ParsedConnectionString {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Present when the string embeds a password; never log it. */
  password?: string;
  sslMode?: LibpqSslMode;
  sslRootCert?: string;
  sslCert?: string;
  sslKey?: string;
  connectTimeoutSeconds?: number;
  /** Parameters we do not use (e.g. Prisma's `schema=`); they are ignored, not rejected. */
  ignoredParameters: string[];
}

/** A configuration problem the user has to fix; retrying cannot help. */
export class ConnectionConfigError extends Error {
  constructor(
    message: string,
    /** The CA file (sslRootCert) it names does not exist (the message is in the display language). */
    readonly caFileMissing = false,
  ) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

const SSL_MODES: readonly LibpqSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

// Parameters that do not change how the monitor connects; accepted silently.
const HARMLESS_PARAMETERS = new Set(['application_name', 'fallback_application_name', 'client_encoding', 'options', 'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'target_session_attrs', 'gssencmode', 'channel_binding']);

export function parseConnectionString(text: string): ParsedConnectionString {
  const trimmed = text.trim();
  if (trimmed === '') throw new ConnectionConfigError(l10n.t('The connection string is empty.'));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return parseUri(trimmed);
  if (/^\w+\s*=/.test(trimmed)) return parseKeywordValue(trimmed);
  throw new ConnectionConfigError(l10n.t('The connection string is not valid: use postgresql://user@host:port/database or key=value pairs such as "host=localhost dbname=app".'));
}

/** True when the string carries a password (URI user info or a password parameter). Never throws. */
export function connectionStringHasPassword(text: string): boolean {
  try {
    return parseConnectionString(text).password !== undefined;
  } catch {
    // Unparseable strings may still contain one: look for the two shapes without decoding anything.
    return /:\/\/[^/@\s]*:[^/@\s]*@/.test(text) || /(^|[\s?&])password\s*=/i.test(text);
  }
}

/** The same connection string without its password, for moving the password to secret storage. */
export function removePasswordFromConnectionString(text: string): string {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const url = uriOrThrow(trimmed);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  }
  return tokenizeKeywordValue(trimmed)
    .filter(([key]) => key !== 'password')
    .map(([key, value]) => `${key}=${quoteKeywordValue(value)}`)
    .join(' ');
}

function uriOrThrow(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectionConfigError(l10n.t('The connection string is not a valid URI (check the host, the port and percent-encoding of special characters).'));
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new ConnectionConfigError(l10n.t('The connection string must start with postgresql:// or postgres://, not {0}//.', url.protocol));
  }
  return url;
}

function decode(part: string, what: 'host' | 'user name' | 'password' | 'database name'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConnectionConfigError(invalidEncoding(what));
  }
}

function invalidEncoding(what: 'host' | 'user name' | 'password' | 'database name'): string {
  switch (what) {
    case 'host':
      return l10n.t('The host in the connection string has invalid percent-encoding.');
    case 'user name':
      return l10n.t('The user name in the connection string has invalid percent-encoding.');
    case 'password':
      return l10n.t('The password in the connection string has invalid percent-encoding.');
    case 'database name':
      return l10n.t('The database name in the connection string has invalid percent-encoding.');
  }
}

function parseUri(text: string): ParsedConnectionString {
  const url = uriOrThrow(text);
  const result: ParsedConnectionString = { ignoredParameters: [] };
  const host = decode(url.hostname, 'host').replace(/^\[(.*)\]$/, '$1');
  if (host.includes(',')) throw new ConnectionConfigError(l10n.t('Connection strings with several hosts are not supported: give one host.'));
  if (host) result.host = host;
  if (url.port) result.port = parsePort(url.port);
  if (url.username) result.user = decode(url.username, 'user name');
  if (url.password) result.password = decode(url.password, 'password');
  const path = url.pathname.replace(/^\//, '');
  if (path) result.database = decode(path, 'database name');
  for (const [key, value] of url.searchParams) applyParameter(result, key, value);
  return result;
}

function parseKeywordValue(text: string): ParsedConnectionString {
  const result: ParsedConnectionString = { ignoredParameters: [] };
  for (const [key, value] of tokenizeKeywordValue(text)) applyParameter(result, key, value);
  return result;
}

/** libpq's key = value syntax: values may be single-quoted, with \' and \\ escapes. */
function tokenizeKeywordValue(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
  };
  while (true) {
    skipSpace();
    if (i >= text.length) break;
    const keyStart = i;
    while (i < text.length && /\w/.test(text.charAt(i))) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (!key || text.charAt(i) !== '=') {
      throw new ConnectionConfigError(l10n.t('The connection string is not valid: expected key=value at character {0}.', keyStart + 1));
    }
    i++;
    skipSpace();
    let value = '';
    if (text.charAt(i) === "'") {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text.charAt(i);
        if (c === '\\' && i + 1 < text.length) {
          value += text.charAt(i + 1);
          i += 2;
        } else if (c === "'") {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) throw new ConnectionConfigError(l10n.t('The connection string is not valid: the quoted value of "{0}" is not closed.', key));
    } else {
      while (i < text.length && !/\s/.test(text.charAt(i))) {
        const c = text.charAt(i);
        if (c === '\\' && i + 1 < text.length) {
          value += text.charAt(i + 1);
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
    }
    pairs.push([key, value]);
  }
  return pairs;
}

function quoteKeywordValue(value: string): string {
  return value !== '' && /^[^\s'\\]+$/.test(value) ? value : `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    const swallowed = swallowedKey(value);
    throw new ConnectionConfigError(
      swallowed === undefined
        ? l10n.t('The port in the connection string must be a number from 1 to 65535.')
        : l10n.t({
            message: "The port in the connection string must be a number from 1 to 65535 (its value reads as \"{0}=…\": write an empty value as '').",
            args: [swallowed],
            comment: ['{0} is the next parameter\'s name, which libpq reads as the value ("port= password=…")'],
          }),
    );
  }
  return port;
}

/**
 * Values are never echoed in errors: in "port= password=secret" the port's value is the next pair
 * (libpq reads it the same way), so echoing it would show the password.
 */
function swallowedKey(value: string): string | undefined {
  return /^\w+=/.test(value) ? value.slice(0, value.indexOf('=')) : undefined;
}

function applyParameter(result: ParsedConnectionString, key: string, value: string): void {
  switch (key) {
    case 'host':
      if (value.includes(',')) throw new ConnectionConfigError(l10n.t('Connection strings with several hosts are not supported: give one host.'));
      if (value) result.host = value;
      return;
    case 'hostaddr':
      if (value) result.host = value;
      return;
    case 'port':
      if (value) result.port = parsePort(value);
      return;
    case 'dbname':
      if (value) result.database = value;
      return;
    case 'user':
      if (value) result.user = value;
      return;
    case 'password':
      result.password = value;
      return;
    case 'sslmode':
      if (!(SSL_MODES as readonly string[]).includes(value)) {
        const swallowed = swallowedKey(value);
        throw new ConnectionConfigError(
          swallowed === undefined
            ? l10n.t('sslmode must be one of {0}.', SSL_MODES.join(', '))
            : l10n.t({
                message: "sslmode must be one of {0} (its value reads as \"{1}=…\": write an empty value as '').",
                args: [SSL_MODES.join(', '), swallowed],
                comment: ['{1} is the next parameter\'s name, which libpq reads as the value ("sslmode= password=…")'],
              }),
        );
      }
      result.sslMode = value as LibpqSslMode;
      return;
    case 'sslrootcert':
      result.sslRootCert = value;
      return;
    case 'sslcert':
      result.sslCert = value;
      return;
    case 'sslkey':
      result.sslKey = value;
      return;
    case 'connect_timeout': {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds < 0) throw new ConnectionConfigError(l10n.t('connect_timeout must be a number of seconds.'));
      result.connectTimeoutSeconds = seconds;
      return;
    }
    default:
      if (!HARMLESS_PARAMETERS.has(key)) result.ignoredParameters.push(key);
  }
}
