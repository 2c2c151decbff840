// Starts Debian's PgBouncer (apt-get install pgbouncer) on 127.0.0.1 in front of a test PostgreSQL
// server, in session, transaction or statement mode. PgBouncer refuses to run as root, so as root it
// runs as the `postgres` system user (the one the test servers run as) with its files in a temp
// folder that user owns. Users log in with plain passwords from its auth_file; it logs in to
// PostgreSQL with the same passwords (SCRAM on the server side).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, PgServer } from './postgresServer';
import { stopChild } from './processes';

export type PoolMode = 'session' | 'transaction' | 'statement';

const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  poolMode: PoolMode;
  /** user -> password; the server's superuser is always added. */
  users?: Record<string, string>;
  /** Server connections per (database, user) pair. Default 2: few, so clients share them. */
  defaultPoolSize?: number;
  /** Extra [pgbouncer] settings. */
  settings?: Record<string, string | number>;
}

export interface PgBouncer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly poolMode: PoolMode;
  /** postgresql://user:password@127.0.0.1:port/database through the pooler. */
  connectionString(user: string, password: string, database?: string): string;
  /** Runs one simple-protocol command on the admin console (database `pgbouncer`), e.g. 'SHOW SERVERS'. */
  admin(command: string): Promise<Record<string, unknown>[]>;
  /** Stops PgBouncer (SIGTERM, then SIGKILL) and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export function isPgBouncerAvailable(): boolean {
  return fs.existsSync(PGBOUNCER);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function quoteAuth(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startPgBouncer(server: PgServer, options: PgBouncerOptions): Promise<PgBouncer> {
  if (!isPgBouncerAvailable()) throw new Error('PgBouncer is not installed (apt-get install pgbouncer)');
  const runAs = postgresUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-pgbouncer-'));
  const port = await freePort();
  const users: Record<string, string> = { [server.user]: server.password, ...options.users };
  const authFile = path.join(dir, 'userlist.txt');
  fs.writeFileSync(authFile, Object.entries(users).map(([u, p]) => `${quoteAuth(u)} ${quoteAuth(p)}\n`).join(''), { mode: 0o600 });
  const settings: Record<string, string | number> = {
    listen_addr: '127.0.0.1',
    listen_port: port,
    unix_socket_dir: '',
    auth_type: 'plain',
    auth_file: authFile,
    pool_mode: options.poolMode,
    default_pool_size: options.defaultPoolSize ?? 2,
    max_client_conn: 500,
    admin_users: server.user,
    logfile: path.join(dir, 'pgbouncer.log'),
    pidfile: path.join(dir, 'pgbouncer.pid'),
    ...options.settings,
  };
  const ini = [
    '[databases]',
    `* = host=127.0.0.1 port=${server.port}`,
    '[pgbouncer]',
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  const iniFile = path.join(dir, 'pgbouncer.ini');
  fs.writeFileSync(iniFile, ini);
  if (runAs) for (const file of [dir, authFile, iniFile]) fs.chownSync(file, runAs.uid, runAs.gid);

  const output: string[] = [];
  const child: ChildProcess = spawn(PGBOUNCER, [iniFile], { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
  const collect = (chunk: Buffer): void => {
    output.push(chunk.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exitHook = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', exitHook);

  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = fs.existsSync(settings.logfile as string) ? fs.readFileSync(settings.logfile as string, 'utf8') : '';
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start:\n${output.join('')}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    poolMode: options.poolMode,
    connectionString(user, password, database = server.database) {
      return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    },
    async admin(command) {
      const client = new Client({ host: '127.0.0.1', port, user: server.user, password: server.password, database: 'pgbouncer' });
      client.on('error', () => undefined);
      await client.connect();
      try {
        // The admin console speaks only the simple query protocol: no parameters.
        const result = await client.query(command);
        return result.rows as Record<string, unknown>[];
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', exitHook);
      await stopChild(child, 'SIGTERM', 5_000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
