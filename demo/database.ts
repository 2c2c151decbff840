// The demo's server set up the way the README asks users to set theirs up: an application database
// (`shop`), one ordinary login role per application, and a monitoring role with pg_monitor,
// pg_signal_backend and (PostgreSQL 16+) pg_use_reserved_connections for the extension. Passwords
// are made up per run; the monitor's reaches VS Code through a password file (PGPASSFILE), never
// through settings.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { PgServer } from '../test/support/postgresServer';

export interface Login {
  user: string;
  password: string;
}

export interface DemoDatabase {
  host: string;
  port: number;
  database: string;
  /** The applications' roles: ordinary users, each of them takes one of the slots ordinary users share. */
  apps: { ordersApi: Login; invoiceJob: Login; reportWorker: Login };
  /** The role the extension connects as. */
  monitor: Login;
  /** The demo's own folder (deleted by dispose()): the password file, and whatever else the demo keeps there. */
  dir: string;
  /** A libpq password file (mode 0600) with the monitor's password, for PGPASSFILE. */
  pgpassFile: string;
  /** Deletes the demo's folder. Safe to call twice. */
  dispose(): void;
}

export const DEMO_DATABASE = 'shop';
/** Slots kept for roles with pg_use_reserved_connections (PostgreSQL 16+): the monitor gets in when the applications have filled the server. */
export const RESERVED_CONNECTIONS = 2;

function login(user: string): Login {
  return { user, password: randomBytes(12).toString('base64url') };
}

// Two overdue invoices: the invoice job's first run reminds their customers and releases its client,
// as its tests would see it; every run after that finds nothing to do and leaks (demo/workspace/jobs/invoice-job.js).
const SCHEMA = `
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE invoices (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, due date NOT NULL, paid boolean NOT NULL DEFAULT false, reminded_at timestamptz);
INSERT INTO customers SELECT i, 'customer' || i || '@example.com' FROM generate_series(1, 50) i;
INSERT INTO orders (customer_id, total, created_at) SELECT 1 + i % 50, (i * 7) % 300 + 0.99, now() - i * interval '37 minutes' FROM generate_series(1, 2000) i;
INSERT INTO invoices (customer_id, due, paid) SELECT 1 + i % 50, current_date - i % 90, true FROM generate_series(1, 300) i;
INSERT INTO invoices (customer_id, due) VALUES (7, current_date - 3), (19, current_date - 12), (3, current_date + 10);
`;

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Creates the roles, the `shop` database and its tables on a fresh server (as its superuser). */
export async function prepareDemoDatabase(pg: PgServer): Promise<DemoDatabase> {
  const apps = { ordersApi: login('orders_api'), invoiceJob: login('invoice_job'), reportWorker: login('report_worker') };
  const monitor = login('monitor');
  const admin = await pg.connect();
  try {
    const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
    for (const role of [...Object.values(apps), monitor]) {
      await admin.query(`CREATE ROLE ${role.user} LOGIN PASSWORD ${quoteLiteral(role.password)}`);
    }
    await admin.query('GRANT pg_monitor, pg_signal_backend TO monitor');
    if (version >= 160000) await admin.query('GRANT pg_use_reserved_connections TO monitor');
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const shop = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: DEMO_DATABASE });
  await shop.connect();
  try {
    await shop.query(SCHEMA);
    await shop.query('GRANT SELECT, INSERT ON customers, orders TO orders_api');
    await shop.query('GRANT USAGE ON SEQUENCE orders_id_seq TO orders_api');
    await shop.query('GRANT SELECT, UPDATE ON invoices TO invoice_job');
    await shop.query('GRANT SELECT ON customers, orders, invoices TO report_worker');
  } finally {
    await shop.end();
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-demo-'));
  const pgpassFile = path.join(dir, 'pgpass');
  // hostname:port:database:username:password, as libpq reads it; the file must not be readable by others.
  fs.writeFileSync(pgpassFile, `${pg.host}:${pg.port}:*:${monitor.user}:${monitor.password.replace(/[\\:]/g, '\\$&')}\n`, { mode: 0o600 });
  return {
    host: pg.host,
    port: pg.port,
    database: DEMO_DATABASE,
    apps,
    monitor,
    dir,
    pgpassFile,
    dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
