// The password file libpq reads (~/.pgpass or PGPASSFILE). pg's own lookup is deprecated, so the
// monitor does it here, with libpq's rules: the first matching line wins, `*` matches anything in
// the first four fields, `\:` and `\\` are escapes, and a file others can read is ignored.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One line of the file; a null field is the `*` wildcard. */
export interface PgpassEntry {
  host: string | null;
  port: string | null;
  database: string | null;
  user: string | null;
  password: string;
}

export interface PgpassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Splits the file into entries; comments, blank and incomplete lines are skipped like libpq does. */
export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const entry = parseLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseLine(line: string): PgpassEntry | undefined {
  const fields: Array<string | null> = [];
  let current = '';
  let escaped = false;
  let i = 0;
  for (; i < line.length && fields.length < 4; i++) {
    const c = line.charAt(i);
    if (c === '\\' && i + 1 < line.length) {
      current += line.charAt(++i);
      escaped = true;
    } else if (c === ':') {
      // Only a bare `*` is the wildcard; `\*` is a literal star, as in libpq.
      fields.push(current === '*' && !escaped ? null : current);
      current = '';
      escaped = false;
    } else {
      current += c;
    }
  }
  if (fields.length < 4) return undefined;
  // libpq ends the password at the next unescaped colon.
  let password = '';
  for (; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '\\' && i + 1 < line.length) password += line.charAt(++i);
    else if (c === ':') break;
    else password += c;
  }
  const [host = null, port = null, database = null, user = null] = fields;
  return { host, port, database, user, password };
}

/** The password of the first entry that matches, if any. */
export function findPgpassPassword(entries: readonly PgpassEntry[], target: PgpassTarget): string | undefined {
  // libpq matches Unix-socket connections (host is a directory) against "localhost".
  const host = target.host.startsWith('/') ? 'localhost' : target.host;
  const matches = (pattern: string | null, value: string): boolean => pattern === null || pattern === value;
  const entry = entries.find(
    (e) => matches(e.host, host) && matches(e.port, String(target.port)) && matches(e.database, target.database) && matches(e.user, target.user),
  );
  return entry?.password;
}

export interface PgpassFileOptions {
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  platform?: NodeJS.Platform;
  /** Told why a file was skipped (never the file's contents). */
  warn?: (message: string) => void;
}

export function pgpassFilePath(options: PgpassFileOptions = {}): string {
  const env = options.env ?? process.env;
  if (env.PGPASSFILE) return env.PGPASSFILE;
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(options.homedir ?? os.homedir(), 'AppData', 'Roaming'), 'postgresql', 'pgpass.conf');
  return path.join(options.homedir ?? os.homedir(), '.pgpass');
}

/** Reads the password file and looks the target up; a missing, unreadable or too open file yields undefined. */
export async function readPgpassPassword(target: PgpassTarget, options: PgpassFileOptions = {}): Promise<string | undefined> {
  const file = pgpassFilePath(options);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) {
    options.warn?.(`password file ${file} is not a plain file; ignored`);
    return undefined;
  }
  const platform = options.platform ?? process.platform;
  // Same rule as libpq: a password file readable by group or others is not trusted (not on Windows).
  if (platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    options.warn?.(`password file ${file} has group or world access; permissions should be u=rw (0600) or less; ignored`);
    return undefined;
  }
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return findPgpassPassword(parsePgpass(text), target);
}
