// Turns one `pgHealth.connections` entry into the `pg.ClientConfig`s the monitor connects with.
// Precedence: the entry's own fields, then its connection string, then PGHOST/PGPORT/PGUSER/
// PGDATABASE/PGSSLMODE, then libpq's defaults. Every value is passed to pg explicitly so pg never
// falls back to its own environment or deprecated pgpass handling.
import * as l10n from '@vscode/l10n';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ClientConfig } from 'pg';
import { ConnectionConfig } from './connectionConfig';
import { ConnectionConfigError, LibpqSslMode, parseConnectionString, ParsedConnectionString } from './connectionString';
import { readPgpassPassword } from './pgpass';

export interface PasswordSources {
  /** The password kept in VS Code's SecretStorage for this connection (supplied by the VS Code side). */
  secretPassword?: () => Promise<string | undefined> | string | undefined;
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Where ~/.pgpass lives; defaults to os.homedir(). */
  homedir?: string;
  /** Told about ignored password files and connection string parameters (never a password). */
  warn?: (message: string) => void;
}

export interface ConnectionTuning {
  /** How long a connection attempt may take (connect_timeout in the string wins). */
  connectTimeoutMs?: number;
}

/** Where the monitor connects, without any secret: safe to show and log. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: LibpqSslMode;
}

export interface ResolvedConnection {
  target: ConnectionTarget;
  /**
   * The configurations to try in order: one, or two when sslmode is prefer (TLS, then plain when the
   * server does not support TLS) or allow (plain, then TLS when the server demands encryption).
   */
  attempts: ClientConfig[];
  /** The entry's connection string embeds a password: the UI should offer to move it to SecretStorage. */
  passwordInConnectionString: boolean;
  ignoredParameters: string[];
}

export class PasswordMissingError extends Error {
  constructor(target: ConnectionTarget) {
    super(
      l10n.t({
        message: 'No password for {0}: store one with Add Connection, or put it in ~/.pgpass or PGPASSWORD.',
        args: [`${target.user}@${target.host}:${target.port}/${target.database}`],
        comment: ['{0} is user@host:port/database; "Add Connection" is the command'],
      }),
    );
    this.name = 'PasswordMissingError';
  }
}

/** "user@host:port/database" — for labels and logs. */
export function describeTarget(target: ConnectionTarget): string {
  return `${target.user}@${target.host}:${target.port}/${target.database}`;
}

/**
 * Where an entry connects (no password is looked up): what resolveConnection uses, and what tells
 * which configured databases share a server. Throws ConnectionConfigError on a malformed entry.
 */
export function connectionTarget(config: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): ConnectionTarget {
  return targetOf(config, config.connectionString ? parseConnectionString(config.connectionString) : { ignoredParameters: [] }, env);
}

export async function resolveConnection(config: ConnectionConfig, sources: PasswordSources = {}, tuning: ConnectionTuning = {}): Promise<ResolvedConnection> {
  const env = sources.env ?? process.env;
  const parsed: ParsedConnectionString = config.connectionString ? parseConnectionString(config.connectionString) : { ignoredParameters: [] };
  if (parsed.ignoredParameters.length > 0) {
    sources.warn?.(`${config.name}: ignoring connection string parameters ${parsed.ignoredParameters.join(', ')}`);
  }
  const target = targetOf(config, parsed, env);

  const caFile = nonEmpty(config.sslRootCert) ?? parsed.sslRootCert ?? nonEmpty(env.PGSSLROOTCERT);
  const tls = await tlsOptions(target, caFile, parsed.sslCert, parsed.sslKey);

  const password = passwordFunction(target, parsed.password, sources);
  const connectTimeoutMs = parsed.connectTimeoutSeconds !== undefined && parsed.connectTimeoutSeconds > 0 ? parsed.connectTimeoutSeconds * 1000 : (tuning.connectTimeoutMs ?? 10_000);
  const base: ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password,
    // No application_name: through a transaction pooler it would stay on a server connection that
    // an application gets next (transactionSettings.ts); each refresh sets it for its own transaction.
    // Keepalives let a monitor on a dead network path notice it and reconnect.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: connectTimeoutMs,
  };
  const plain: ClientConfig = { ...base, ssl: false };
  const encrypted: ClientConfig = { ...base, ssl: tls };
  let attempts: ClientConfig[];
  switch (target.sslMode) {
    case 'disable':
      attempts = [plain];
      break;
    case 'allow':
      attempts = [plain, encrypted];
      break;
    case 'prefer':
      attempts = [encrypted, plain];
      break;
    default:
      attempts = [encrypted];
  }
  return { target, attempts, passwordInConnectionString: parsed.password !== undefined, ignoredParameters: parsed.ignoredParameters };
}

function targetOf(config: ConnectionConfig, parsed: ParsedConnectionString, env: NodeJS.ProcessEnv): ConnectionTarget {
  const user = nonEmpty(config.user) ?? parsed.user ?? nonEmpty(env.PGUSER) ?? osUserName();
  const target: ConnectionTarget = {
    host: nonEmpty(config.host) ?? parsed.host ?? nonEmpty(env.PGHOST) ?? 'localhost',
    port: config.port ?? parsed.port ?? portFromEnv(env.PGPORT) ?? 5432,
    database: nonEmpty(config.database) ?? parsed.database ?? nonEmpty(env.PGDATABASE) ?? user,
    user,
    sslMode: config.ssl ?? parsed.sslMode ?? sslModeFromEnv(env.PGSSLMODE) ?? 'prefer',
  };
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw new ConnectionConfigError(l10n.t('The port of "{0}" must be a number from 1 to 65535.', config.name));
  }
  return target;
}

type TlsOptions = Exclude<ClientConfig['ssl'], boolean | undefined>;

async function tlsOptions(target: ConnectionTarget, caFile: string | undefined, certFile: string | undefined, keyFile: string | undefined): Promise<TlsOptions> {
  const options: TlsOptions = {};
  if (certFile) options.cert = await readTlsFile(certFile, 'cert');
  if (keyFile) options.key = await readTlsFile(keyFile, 'key');
  switch (target.sslMode) {
    case 'verify-full':
      // Without a CA file Node's bundled CAs apply (public CAs of hosted PostgreSQL services).
      if (caFile) options.ca = await readTlsFile(caFile, 'ca');
      options.rejectUnauthorized = true;
      break;
    case 'verify-ca':
      if (!caFile) throw new ConnectionConfigError(l10n.t('sslmode=verify-ca needs a CA file (sslrootcert).'));
      options.ca = await readTlsFile(caFile, 'ca');
      options.rejectUnauthorized = true;
      options.checkServerIdentity = () => undefined;
      break;
    case 'require':
      // libpq: require with a root certificate behaves like verify-ca.
      if (caFile) {
        options.ca = await readTlsFile(caFile, 'ca');
        options.rejectUnauthorized = true;
        options.checkServerIdentity = () => undefined;
      } else {
        options.rejectUnauthorized = false;
      }
      break;
    default:
      // prefer/allow only encrypt; like libpq they do not verify the server.
      options.rejectUnauthorized = false;
  }
  return options;
}

async function readTlsFile(file: string, what: 'cert' | 'key' | 'ca'): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (what === 'cert') throw new ConnectionConfigError(l10n.t('The client certificate (sslcert) {0} does not exist.', file));
      if (what === 'key') throw new ConnectionConfigError(l10n.t('The client key (sslkey) {0} does not exist.', file));
      throw new ConnectionConfigError(l10n.t('The CA file (sslRootCert) {0} does not exist.', file), true);
    }
    const reason = code ?? 'error';
    if (what === 'cert') throw new ConnectionConfigError(l10n.t('The client certificate (sslcert) {0} cannot be read ({1}).', file, reason));
    if (what === 'key') throw new ConnectionConfigError(l10n.t('The client key (sslkey) {0} cannot be read ({1}).', file, reason));
    throw new ConnectionConfigError(l10n.t('The CA file (sslRootCert) {0} cannot be read ({1}).', file, reason));
  }
}

/**
 * pg calls this when the server asks for a password, so nothing is looked up for trust/peer auth.
 * Order: the connection string, SecretStorage, PGPASSWORD, the password file.
 */
function passwordFunction(target: ConnectionTarget, fromConnectionString: string | undefined, sources: PasswordSources): () => Promise<string> {
  return async () => {
    if (fromConnectionString !== undefined) return fromConnectionString;
    const secret = await sources.secretPassword?.();
    if (secret !== undefined && secret !== '') return secret;
    const env = sources.env ?? process.env;
    if (env.PGPASSWORD) return env.PGPASSWORD;
    const options = { env, ...(sources.homedir ? { homedir: sources.homedir } : {}), ...(sources.warn ? { warn: sources.warn } : {}) };
    const fromFile = await readPgpassPassword(target, options);
    if (fromFile !== undefined) return fromFile;
    throw new PasswordMissingError(target);
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function portFromEnv(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConnectionConfigError(l10n.t('PGPORT must be a number from 1 to 65535.'));
  return port;
}

function sslModeFromEnv(value: string | undefined): LibpqSslMode | undefined {
  if (!value) return undefined;
  const modes: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
  if (!modes.includes(value)) throw new ConnectionConfigError(l10n.t('PGSSLMODE must be one of {0}.', modes.join(', ')));
  return value as LibpqSslMode;
}

function osUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}
