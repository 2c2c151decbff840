// Shapes from the in-the-wild evaluation (bench/wild): code others wrote on which the analyser was
// wrong, reduced to a few lines each. What is asserted is what a reader sees: which lines are
// reported and the cause the message names.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeText, analyzeWorkspace, type Finding, type LanguageId } from '../../../src/analysis/analyzer';
import { applyEdits } from '../../../src/analysis/fixes/edits';
import { IncrementalAnalysis } from '../../../src/analysis/incremental';
import { fixesFor } from '../../../src/analysis/fixes/fixes';

async function findings(text: string, language: LanguageId = 'javascript'): Promise<Finding[]> {
  return analyzeText(text, language);
}

const lines = (list: Finding[]): string[] => list.map((f) => `${f.range.startLine + 1} ${f.rule}`);

describe('in the wild: another database driver is not PostgreSQL', () => {
  it("mssql's ConnectionPool.connect() connects the pool itself (required, imported, or loaded at run time)", async () => {
    const required = `const sql = require('mssql');
async function a(config) {
  const pool = await new sql.ConnectionPool(config).connect();
  return pool.request().query('select 1');
}
async function b(config) {
  const pool = new sql.ConnectionPool(config);
  const conn = await pool.connect();
  await conn.request().query('select 1');
}`;
    assert.deepEqual(lines(await findings(required)), []);
    const dynamic = `class Driver {
  async connect() {
    const pool = new this.mssql.ConnectionPool(this.options);
    const connection = await pool.connect();
    return connection;
  }
  async open() {
    await new this.mssql.ConnectionPool(this.options).connect();
  }
}`;
    assert.deepEqual(lines(await findings(dynamic, 'typescript')), []);
  });

  it('a file that imports only another driver reports nothing; with node-postgres too, only the pg pool counts', async () => {
    const mysqlOnly = `import mysql from 'mysql2/promise';
export async function f(pool) {
  const c = await pool.getConnection();
  const d = await pool.connect();
  await d.query('select 1');
}`;
    assert.deepEqual(lines(await findings(mysqlOnly, 'typescript')), []);
    const mixed = `const { Pool } = require('pg');
const mysql = require('mysql2/promise');
const pgPool = new Pool();
const myPool = mysql.createPool({});
async function a() {
  const m = await myPool.connect();
  const d = await pgPool.connect();
  await d.query('select 1');
  d.release();
}`;
    assert.deepEqual(lines(await findings(mixed)), ['7 release-not-guaranteed']);
  });

  it("acquire() counts only beside generic-pool or tarn and a PostgreSQL driver; connect(arg) is not node-postgres' value form", async () => {
    // Slonik's and Sequelize's own pools, a test's mock: `pool.acquire()` with no pool library in sight.
    const ownPool = `import { createConnectionPool } from './createConnectionPool';
test('reuses', async () => {
  const pool = createConnectionPool({ driver: mockDriver });
  const first = await pool.acquire();
  await first.query('select 1');
});`;
    assert.deepEqual(lines(await findings(ownPool, 'typescript')), []);
    const genericOfPg = `const genericPool = require('generic-pool');
const { Client } = require('pg');
const pool = genericPool.createPool({ create: async () => { const c = new Client(); await c.connect(); return c; }, destroy: (c) => c.end() });
async function f() {
  const client = await pool.acquire();
  await client.query('select 1');
  await pool.release(client);
}`;
    assert.deepEqual(lines(await findings(genericOfPg)), ['5 release-not-guaranteed']);
    // A driver's setup method on a pool-named object, and a named callback the call site cannot show.
    const withArgument = `const { Pool } = require('pg');
async function setup(poolDriver, binding) {
  const session = await poolDriver.connect(binding);
  await session.query('select 1');
}
function g(pool, onClient) {
  pool.connect(onClient);
}`;
    assert.deepEqual(lines(await findings(withArgument)), []);
  });

  it("Python: aiomysql's pool.acquire(), a redis ConnectionPool and a SQLite engine are not PostgreSQL's", async () => {
    const aiomysql = `import aiomysql
async def f(loop):
    pool = await aiomysql.create_pool(loop=loop)
    conn = await pool.acquire()
    await conn.execute("SELECT 1")
    pool.release(conn)
`;
    assert.deepEqual(lines(await findings(aiomysql, 'python')), []);
    const sqlite = `from sqlalchemy import create_engine
engine = create_engine('sqlite:///app.db')
def seed():
    conn = engine.connect()
    conn.execute('INSERT INTO t VALUES (1)')
`;
    assert.deepEqual(lines(await findings(sqlite, 'python')), []);
    const both = `from redis import ConnectionPool
import psycopg2.pool
rpool = ConnectionPool(host='x')
pgpool = psycopg2.pool.SimpleConnectionPool(1, 5)
def f():
    conn = pgpool.getconn()
    conn.cursor().execute('x')
    pgpool.putconn(conn)
`;
    assert.deepEqual(lines(await findings(both, 'python')), ['6 release-not-guaranteed']);
  });

  it('a name that also holds a single `new Client(…)` in the file is not taken for a pool', async () => {
    const text = `const { Pool, Client } = require('@neondatabase/serverless');
it('pool', async () => {
  const client = new Pool({ connectionString });
  await client.query('SELECT 1');
});
it('client', async () => {
  const client = new Client({ connectionString });
  await client.connect();
  await client.query('SELECT 1');
  await client.end();
});`;
    assert.deepEqual(lines(await findings(text)), []);
  });

  it('Python: a SQLAlchemy connection nobody closes, named or not, is reported: SQLAlchemy 2 keeps it checked out until the garbage collector runs', async () => {
    const text = `import pandas as pd
from sqlalchemy import create_engine
engine = create_engine(URL)
def load():
    return pd.read_sql_table('customers', engine.connect())
def ping():
    engine.connect().execute(text('SELECT 1'))
def kept():
    conn = engine.connect()
    conn.execute(text('SELECT 1'))
`;
    const list = await findings(text, 'python');
    assert.deepEqual(lines(list), ['5 unreleased-client', '7 unreleased-client', '9 unreleased-client']);
    assert.match(list[0]?.message ?? '', /The connection from `engine\.connect\(\)` on line 5 is never released: no path calls `conn\.close\(\)`\. SQLAlchemy 2 keeps/);
    // Closed by a `with`, as SQLAlchemy's documentation writes it: nothing to report.
    assert.deepEqual(lines(await findings(`from sqlalchemy import create_engine
engine = create_engine(URL)
def load():
    with engine.connect() as conn:
        return pd.read_sql_table('customers', conn)
`, 'python')), []);
  });

  it("Slonik's pool.connect(handler) releases when the handler settles: nothing is handed out", async () => {
    const slonik = `export const bindPool = (pool) => ({
  connect: (handler) => pool.connect(async (connection) => handler(connection)),
});
async function usage(pool) {
  return pool.connect(async (connection) => {
    return connection.query(sql\`SELECT 1\`);
  });
}`;
    assert.deepEqual(lines(await findings(slonik, 'typescript')), []);
  });
});

describe('in the wild: a function nobody calls hands nothing over', () => {
  it('`client.query(sql), (err) => done(err);` (a comma, not a callback): never released, in the code\'s own names', async () => {
    const list = await findings(`module.exports = (guild, pool) => {
  pool.connect(async (err, clientDB, done) => {
    if (err) throw err;
    clientDB.query('INSERT INTO guilds VALUES ($1)', [guild.id]), async (err, result) => {
      done(err);
    };
  });
};`);
    assert.deepEqual(lines(list), ['2 unreleased-client']);
    assert.match(list[0]?.message ?? '', /`clientDB` from `pool\.connect\(\)` on line 2 is never released: no path calls `done\(\)` or `clientDB\.release\(\)`/);
    const python = await findings(`def f(pgpool):
    conn = pgpool.getconn()
    conn.cursor().execute("SELECT 1")
`, 'python');
    assert.match(python[0]?.message ?? '', /no path calls `pgpool\.putconn\(conn\)`/);
  });
});

describe('in the wild: legacy node-postgres and release handles', () => {
  it("`this.pg.connect(cb)` (a pool kept as pg, or pg < 7's pg.connect) acquires", async () => {
    const list = await findings(`function count(cb) {
  this.pg.connect(function (err, client, done) {
    if (err) return cb(err);
    client.query('SELECT 1', function (err, result) {
      cb(err, result);
    });
  });
}`);
    assert.deepEqual(lines(list), ['2 unreleased-client']);
  });

  it('handing the release handle to another function hands the release over', async () => {
    const list = await findings(`function a(pool) {
  pool.connect(function (err, client, done) {
    if (err) return;
    process.nextTick(done);
  });
}
function b(pool, run) {
  pool.connect(function (err, client, done) {
    if (err) return;
    run(client, done);
  });
}`);
    assert.deepEqual(lines(list), []);
  });
});

describe('in the wild: listeners and timers run later', () => {
  it("a logger in a connection.on('notice') listener is not on the path to the release, and registering it cannot fail", async () => {
    const text = `function createPool(pool, options) {
  return new Promise((ok, fail) => {
    pool.connect((err, connection, release) => {
      if (err) return fail(err);
      if (options.logNotifications) {
        connection.on('notice', (msg) => {
          if (msg) this.logger.log('info', msg.message);
        });
      }
      release();
      ok(pool);
    });
  });
}`;
    assert.deepEqual(lines(await findings(text, 'typescript')), []);
  });
});

describe('in the wild: wrappers', () => {
  it("a `.then` callback's return is the chain's value: returned or stored, the client goes with it; dropped, it leaks", async () => {
    const wrapped = `const pg = require('pg');
function wrapNativePool(nativePool) {
  return {
    acquire() {
      return {
        promise: nativePool.connect().then((connection) => {
          connection.tag = 'knex';
          return connection;
        }),
      };
    },
  };
}`;
    assert.deepEqual(lines(await findings(wrapped)), []);
    const dropped = `const pg = require('pg');
const pool = new pg.Pool();
function warm() {
  pool.connect().then((connection) => {
    connection.tag = 'warm';
    return connection;
  });
}`;
    assert.deepEqual(lines(await findings(dropped)), ['4 unreleased-client']);
  });

  it('`return wrap(await pool.connect())` hands the wrapped client to the caller; a named client passed to a helper does not', async () => {
    const list = await findings(
      `import { Pool } from 'pg';
const pool = new Pool();
export async function acquireClient() {
  return suppressIdleConnectionErrors(await pool.connect());
}
export async function leak() {
  const client = await pool.connect();
  return runQuery(client, 'SELECT 1');
}`,
      'typescript',
    );
    assert.deepEqual(lines(list), ['7 unreleased-client']);
  });
});

describe('in the wild: the message names the call that fails', () => {
  it("a node-style callback's error branch that never releases names the call, not `res.status( 500 ).send`", async () => {
    const list = await findings(`const pg = require('pg');
const pool = new pg.Pool();
function add(req, res) {
  pool.connect(function (err, connection, done) {
    if (err) {
      res.send(400);
    } else {
      connection.query('INSERT INTO suppliers (name) VALUES ($1)', [req.body.name], function (err, result) {
        if ( err ) {
          console.log('error:', err);
          res.status( 500 ).send('Error creating new supplier');
        } else {
          done();
          res.status( 201 ).send('supplier added');
        }
      });
    }
  });
}`);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /when `connection\.query` on line 8 passes an error to its callback, the path reaches the end of the function on line 19 without releasing it/);
  });

  it('a callback whose success branch never releases says so', async () => {
    const list = await findings(`const pg = require('pg');
const pool = new pg.Pool();
function farm(req, res) {
  pool.connect(function (err, connection, done) {
    if (err) return res.send(400);
    connection.query('SELECT 1', [], function (err, result) {
      if (err) {
        done(err);
      } else {
        res.send(result.rows[0]);
      }
    });
  });
}`);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /when `connection\.query` on line 6 succeeds, it is never released/);
  });

  it('a query whose error a handler rethrows, not the `throw`', async () => {
    const [f] = await findings(`const { Pool } = require('pg');
const pool = new Pool();
async function save(req) {
  const connection = await pool.connect();
  try {
    await connection.query('INSERT INTO t VALUES ($1)', [req.x]);
  } catch (err) {
    console.error(err);
    throw err;
  }
  connection.release();
}`);
    assert.match(f?.message ?? '', /a throw from `connection\.query` on line 6 \(rethrown on line 9\) skips the release on line 11/);
  });

  it("the query, not Express's res.status() or an Error constructor", async () => {
    const list = await findings(`const pool = require('./db');
async function handler(req, res) {
  const client = await pool.connect();
  res.status(200);
  const r = await client.query('INSERT INTO t VALUES (1)');
  res.send(r.rows);
  client.release();
}
async function validated(req) {
  const client = await pool.connect();
  if (!req.id) throw new Error('id required');
  client.release();
}`);
    assert.match(list[0]?.message ?? '', /a throw from `client\.query` on line 5 skips the release on line 7/);
    assert.match(list[1]?.message ?? '', /the `throw` on line 11 skips the release on line 12/);
  });

  it("psycopg2: execute or fetch, not cursor() or cursor.close()", async () => {
    const [f] = await findings(
      `def f(pool):
    conn = pool.getconn()
    cur = conn.cursor()
    cur.execute("SELECT 1")
    rows = cur.fetchall()
    cur.close()
    pool.putconn(conn)
    return rows
`,
      'python',
    );
    assert.match(f?.message ?? '', /a throw from `cur\.execute` on line 4 skips the release on line 7/);
    const none = await findings(
      `def handed_over(pool):
    conn = pool.getconn()
    cur = conn.cursor()
    return conn, cur
`,
      'python',
    );
    assert.deepEqual(lines(none), [], 'nothing between the acquire and the hand-over can fail');
  });
});

describe('in the wild: a helper that returns its connection in a tuple', () => {
  it('`conn, cur = get_conn()` acquires conn; a release helper puts it back; a path that skips it leaks', async () => {
    const list = await findings(
      `from psycopg2 import pool
conn_pool = pool.SimpleConnectionPool(1, 10)

def get_conn():
    conn = conn_pool.getconn()
    cur = conn.cursor()
    return conn, cur

def close_conn(conn, cur):
    cur.close()
    conn_pool.putconn(conn)

def login(name):
    conn, cur = get_conn()
    cur.execute("SELECT id FROM users WHERE name = %s", (name,))
    row = cur.fetchone()
    close_conn(conn, cur)
    return row

def login_safe(name):
    conn, cur = get_conn()
    try:
        cur.execute("SELECT 1")
        return cur.fetchone()
    finally:
        close_conn(conn, cur)

def only_the_cursor(name):
    _, cur = get_conn()
    cur.execute("SELECT 1")
`,
      'python',
    );
    assert.deepEqual(lines(list), ['14 release-not-guaranteed', '29 unreleased-client']);
    assert.match(list[0]?.message ?? '', /The connection from `get_conn\(\)` on line 14 is not released on every path: a throw from `cur\.execute` on line 15 skips the release on line 17/);
  });
});

describe('in the wild: what is not a use after release', () => {
  it('`id(conn)` or logging a released connection does not use it', async () => {
    const text = `def test_reuse(pool):
    conn1 = pool.getconn()
    pool.putconn(conn1)
    conn2 = pool.getconn()
    same = id(conn1) == id(conn2)
    print(conn1)
    pool.putconn(conn2)
`;
    assert.deepEqual(lines(await findings(text, 'python')), []);
  });
});

describe('in the wild: what the whole workspace says its pools are', () => {
  const seed = {
    path: 'helpers/seed.py',
    text: `from sqlalchemy import text
def seed(engine, lines):
    conn = engine.connect()
    for line in lines:
        conn.execute(text(line))
    conn.close()
`,
    language: 'python' as const,
  };
  const url = (value: string): { path: string; text: string; language: 'python' } => ({ path: 'constants/db.py', text: `connectionString = f"${value}"\n`, language: 'python' });

  it("SQLAlchemy engines of a workspace that names only SQLite's URLs are not PostgreSQL's; one PostgreSQL URL or driver anywhere makes them count", async () => {
    const sqlite = await analyzeWorkspace([url('sqlite:///../db/money.sqlite'), seed]);
    assert.deepEqual(sqlite.map((r) => lines(r.findings)), [[], []]);
    // What the URL file states travels as a fact it teaches, for the editor to hand to other files.
    assert.deepEqual(sqlite[0]?.teaches?.facts, ['other-url']);
    const postgres = await analyzeWorkspace([url('postgresql+psycopg2://app@127.0.0.1/app'), seed]);
    assert.deepEqual(postgres.map((r) => lines(r.findings)), [[], ['3 release-not-guaranteed']]);
    const driver = await analyzeWorkspace([url('sqlite:///test.db'), { path: 'app.py', text: 'import psycopg2\n', language: 'python' }, seed]);
    assert.deepEqual(lines(driver[2]?.findings ?? []), ['3 release-not-guaranteed']);
  });

  it("getconn() of a workspace whose pools are all psycopg2_pool's (a WeakSet takes dropped connections back) keeps nothing checked out; psycopg2.pool's does", async () => {
    const manager = {
      path: 'postgres/context_managers.py',
      text: `class CursorContextManager(object):
    def __init__(self, pool):
        self.pool = pool
        conn = self.pool.getconn()
        self.cursor = conn.cursor()
        self.conn = conn

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.cursor.close()
        self.conn.commit()
        self.pool.putconn(self.conn)
`,
      language: 'python' as const,
    };
    const pools = (imports: string): { path: string; text: string; language: 'python' } => ({ path: 'postgres/__init__.py', text: `${imports}\n`, language: 'python' });
    const weak = await analyzeWorkspace([pools('import psycopg2_pool'), manager]);
    assert.deepEqual(weak.map((r) => lines(r.findings)), [[], []]);
    const strong = await analyzeWorkspace([pools('import psycopg2_pool\nfrom psycopg2 import pool'), manager]);
    assert.deepEqual(lines(strong[1]?.findings ?? []), ['4 release-not-guaranteed']);
  });

  it("the editor's analysis of one file joins the facts other files taught with its own", async () => {
    const given = { summaries: { py: { acquires: [], releases: [], facts: ['other-url'] } } };
    assert.deepEqual(lines((await analyzeWorkspace([seed], given))[0]?.findings ?? []), []);
    assert.deepEqual(lines((await analyzeWorkspace([seed]))[0]?.findings ?? []), ['3 release-not-guaranteed']);
    const editing = new IncrementalAnalysis('python', given);
    try {
      assert.deepEqual(lines(await editing.update(seed.text)), []);
      // Its own text names PostgreSQL: that outweighs what the others said.
      assert.deepEqual(lines(await editing.update(`import psycopg2\n${seed.text}`)), ['4 release-not-guaranteed']);
    } finally {
      editing.dispose();
    }
  });
});

describe('in the wild: SQLAlchemy connections release as `with` items', () => {
  it('`with helper() as conn` where the helper returns engine.connect() closes the connection', async () => {
    const results = await analyzeWorkspace([
      {
        path: 'db.py',
        text: `from sqlalchemy import create_engine
engine = create_engine(URL)
def get_connection():
    return engine.connect()
`,
        language: 'python',
      },
      {
        path: 'tools.py',
        text: `from db import get_connection
def run(sql):
    with get_connection() as conn:
        return conn.execute(sql).fetchall()
`,
        language: 'python',
      },
    ]);
    assert.deepEqual(results.map((r) => lines(r.findings)), [[], []]);
  });
});

describe('in the wild: context-manager classes keep the connection in self', () => {
  const leaky = `from psycopg2 import pool
connection_pool = pool.SimpleConnectionPool(2, 2)

class ConnectionFromPool:
    def __init__(self):
        self.connection = None

    def __enter__(self):
        self.connection = connection_pool.getconn()
        return self.connection

    def __exit__(self, exc_type, exc_val, exc_tb):
        """Commit and give the connection back."""
        self.connection.commit()
        connection_pool.putconn(self.connection)
        self.connection = None
`;

  it('a commit before putconn in __exit__ leaks when it fails: reported at the getconn(), naming the commit', async () => {
    const list = await findings(leaky, 'python');
    assert.deepEqual(lines(list), ['9 release-not-guaranteed']);
    assert.equal(
      list[0]?.message,
      '`self.connection` from `connection_pool.getconn()` on line 9 is not released on every path of `__exit__` (line 12): a throw from `self.connection.commit` on line 14 skips the release on line 15.',
    );
  });

  it('the fix puts the release in a finally inside __exit__, keeps the docstring and what follows, and leaves nothing to report', async () => {
    const list = await findings(leaky, 'python');
    const [fixes] = await fixesFor(leaky, 'python', list);
    assert.deepEqual(fixes?.map((f) => f.title), ['Release in a finally in `__exit__` (connection_pool.putconn(self.connection) in finally)']);
    const fixed = applyEdits(leaky, fixes?.[0]?.edits ?? []);
    assert.ok(
      fixed.includes(`        """Commit and give the connection back."""
        try:
            self.connection.commit()
        finally:
            connection_pool.putconn(self.connection)
        self.connection = None
`),
      fixed,
    );
    assert.deepEqual(lines(await findings(fixed, 'python')), []);
  });

  it('a class whose __exit__ puts the connection back in a finally, or releases it elsewhere, is not reported', async () => {
    const safe = leaky.replace(
      `        self.connection.commit()
        connection_pool.putconn(self.connection)`,
      `        try:
            self.connection.commit()
        finally:
            connection_pool.putconn(self.connection)`,
    );
    assert.deepEqual(lines(await findings(safe, 'python')), []);
    const elsewhere = leaky.replace('        connection_pool.putconn(self.connection)\n', '        self.close()\n');
    assert.deepEqual(lines(await findings(elsewhere, 'python')), []);
  });
});

describe('in the wild: an acquire passed on as a promise', () => {
  it("expect(pool.connect(), 'to be fulfilled with', …) never holds the client here: only the assertion can release it", async () => {
    const text = `const { Pool } = require('pg');
const expect = require('unexpected');
const pool = new Pool();
it('connects', async () => {
  await expect(pool.connect(), 'to be fulfilled with', expect.it('when passed as parameter to', (client) => client.release()));
});
it('queries', async () => {
  const client = await pool.connect();
  await expect(client.query('SELECT 1'), 'to be fulfilled');
});
async function wrapped() {
  const client = await instrument(pool.connect());
  await client.query('SELECT 1');
}
`;
    // Awaited here and kept (line 8), or given back by a wrapper whose value is used (line 12): still this function's.
    assert.deepEqual(lines(await findings(text)), ['8 unreleased-client', '12 unreleased-client']);
  });
});

describe('in the wild: JavaScript classes keep the client in this', () => {
  const leaky = `const { Pool } = require('pg');
const pool = new Pool();

class Session {
  async open() {
    this.client = await pool.connect();
    await this.client.query('BEGIN');
  }

  async close() {
    await this.client.query('COMMIT');
    this.client.release();
    this.client = null;
  }
}

module.exports = { Session };
`;

  it("a COMMIT before the release in the class's one releasing method leaks when it fails: reported at the connect(), naming the COMMIT", async () => {
    const list = await findings(leaky);
    assert.deepEqual(lines(list), ['6 release-not-guaranteed']);
    assert.equal(
      list[0]?.message,
      '`this.client` from `pool.connect()` on line 6 is not released on every path of `close` (line 10): a throw from `this.client.query` on line 11 skips the release on line 12.',
    );
  });

  it('the fix puts the release in a finally inside that method, keeps what follows, and leaves nothing to report', async () => {
    const list = await findings(leaky);
    const [fixes] = await fixesFor(leaky, 'javascript', list);
    assert.deepEqual(fixes?.map((f) => f.title), ['Release in a finally in `close` (this.client.release() in finally)']);
    const fixed = applyEdits(leaky, fixes?.[0]?.edits ?? []);
    assert.ok(
      fixed.includes(`  async close() {
    try {
      await this.client.query('COMMIT');
    } finally {
      this.client.release();
    }
    this.client = null;
  }`),
      fixed,
    );
    assert.deepEqual(lines(await findings(fixed)), []);
  });

  it('the field may hold the promise, or be released with ?.: (await this.client).release(), this.client?.release()', async () => {
    const promised = leaky.replace('this.client = await pool.connect();', 'this.client = pool.connect();').replace('    this.client.release();\n', '    (await this.client).release();\n');
    assert.deepEqual(lines(await findings(promised)), ['6 release-not-guaranteed']);
    const optional = leaky.replace('    this.client.release();\n', '    this.client?.release();\n');
    assert.deepEqual(lines(await findings(optional)), ['6 release-not-guaranteed']);
  });

  it('no fix where moving the statements into try would hide a const or release on a return', async () => {
    const declares = leaky.replace("    await this.client.query('COMMIT');\n", "    const done = await this.client.query('COMMIT');\n").replace('    this.client = null;\n', '    this.client = null;\n    return done;\n');
    const list = await findings(declares);
    assert.deepEqual(lines(list), ['6 release-not-guaranteed']);
    const [fixes] = await fixesFor(declares, 'javascript', list);
    assert.deepEqual(fixes ?? [], []);
  });

  it('not reported: a release in a finally, a class with two ways back (commit and rollback), a release guarded by a check, a method that acquires and releases itself', async () => {
    const safe = leaky.replace(
      `    await this.client.query('COMMIT');
    this.client.release();`,
      `    try {
      await this.client.query('COMMIT');
    } finally {
      this.client.release();
    }`,
    );
    assert.deepEqual(lines(await findings(safe)), []);
    const twoWays = leaky.replace(
      '  async close() {',
      `  async rollback() {
    await this.client.query('ROLLBACK');
    this.client.release();
  }

  async close() {`,
    );
    assert.deepEqual(lines(await findings(twoWays)), []);
    const guarded = leaky.replace(
      `    await this.client.query('COMMIT');
    this.client.release();`,
      `    if (this.client) {
      this.client.release();
    }`,
    );
    assert.deepEqual(lines(await findings(guarded)), []);
    const own = `const { Pool } = require('pg');
const pool = new Pool();
class Repo {
  async count() {
    this.client = await pool.connect();
    try {
      return (await this.client.query('SELECT 1')).rows;
    } finally {
      this.client.release();
    }
  }
}
`;
    assert.deepEqual(lines(await findings(own)), []);
  });

  it('the editor agrees as the class is edited: adding a second way back takes the finding away', async () => {
    const editing = new IncrementalAnalysis('javascript');
    try {
      assert.deepEqual(lines(await editing.update(leaky)), ['6 release-not-guaranteed']);
      const twoWays = leaky.replace('  async close() {', "  async rollback() {\n    await this.client.query('ROLLBACK');\n    this.client.release();\n  }\n\n  async close() {");
      assert.deepEqual(lines(await editing.update(twoWays)), []);
      assert.deepEqual(lines(await editing.update(leaky)), ['6 release-not-guaranteed']);
    } finally {
      editing.dispose();
    }
  });
});

describe("in the wild: the workspace's own wrapper class as an acquire/release pair", () => {
  const wrapper = {
    path: 'lib/postgresql.js',
    text: `const { Pool } = require('pg');
const pool = new Pool();
module.exports = class Postgres {
  async connect() {
    try {
      this.client = await pool.connect();
    } catch (e) {
      console.log(e);
    }
  }
  async disconnect() {
    this.client.release(true);
  }
};
`,
    language: 'javascript' as const,
  };
  const routes = {
    path: 'routes/account.js',
    text: `const postgresql = require('../lib/postgresql');
const Cache = require('../lib/cache');
async function signup(email) {
  const pg = new postgresql();
  await pg.connect();
  const result = await pg.client.query('INSERT INTO users(email) VALUES($1) RETURNING id', [email]);
  await pg.disconnect();
  return result.rows[0];
}
async function safe() {
  const pg = new postgresql();
  await pg.connect();
  try {
    return (await pg.client.query('SELECT 1')).rows;
  } finally {
    await pg.disconnect();
  }
}
async function never() {
  const pg = new postgresql();
  await pg.connect();
  return (await pg.client.query('SELECT 1')).rows;
}
async function otherClass() {
  const cache = new Cache();
  await cache.connect();
  return cache.get('x');
}
`,
    language: 'javascript' as const,
  };

  it("await pg.connect() on an instance holds the client in pg until pg.disconnect(): the message names the query and the wrapper's release", async () => {
    const [, result] = await analyzeWorkspace([wrapper, routes]);
    const list = result?.findings ?? [];
    assert.deepEqual(lines(list), ['5 release-not-guaranteed', '21 unreleased-client']);
    assert.equal(list[0]?.message, '`pg` from `pg.connect()` on line 5 is not released on every path: a throw from `pg.client.query` on line 6 skips the release on line 7.');
    assert.equal(list[1]?.message, '`pg` from `pg.connect()` on line 21 is never released: no path calls `pg.disconnect()`.');
  });

  it("the fix wraps what follows pg.connect() in try and moves the wrapper's own release, with its await, into finally", async () => {
    const [, result] = await analyzeWorkspace([wrapper, routes]);
    const [fixes] = await fixesFor(routes.text, 'javascript', (result?.findings ?? []).slice(0, 1));
    const fixed = applyEdits(routes.text, fixes?.[0]?.edits ?? []);
    assert.ok(
      fixed.includes(`  await pg.connect();
  try {
    const result = await pg.client.query('INSERT INTO users(email) VALUES($1) RETURNING id', [email]);
    return result.rows[0];
  } finally {
    await pg.disconnect();
  }`),
      fixed,
    );
    const [, again] = await analyzeWorkspace([wrapper, { ...routes, text: fixed }]);
    assert.deepEqual(lines(again?.findings ?? []), ['24 unreleased-client']);
  });

  it('only an instance of that class: another class with a connect() is not it, nor is the module without the wrapper', async () => {
    const cache = { path: 'lib/cache.js', text: 'module.exports = class Cache {\n  async connect() { this.socket = await open(); }\n  async close() { this.socket.end(); }\n};\n', language: 'javascript' as const };
    const [, , result] = await analyzeWorkspace([wrapper, cache, routes]);
    assert.ok(!lines(result?.findings ?? []).some((l) => l.startsWith('26 ')), 'cache.connect() is not an acquire');
    // Without the wrapper's file nothing says what pg.connect() keeps: node-postgres' own pg.connect() of old is assumed.
    const [alone] = await analyzeWorkspace([routes]);
    assert.ok(!(alone?.findings ?? []).some((f) => f.message.includes('pg.disconnect()')));
  });
});

describe('fixes for promise chains (issue 16, item 14)', () => {
  async function fixAll(text: string): Promise<{ titles: string[]; fixed: string }> {
    const list = await findings(text);
    const perFinding = await fixesFor(text, 'javascript', list);
    const chosen = perFinding.map((fixes) => fixes[0]).filter((f) => f !== undefined);
    return { titles: chosen.map((f) => f.title), fixed: applyEdits(text, chosen.flatMap((f) => f.edits)) };
  }

  it('a release only in .then (or only in .catch) moves into .finally chained after it; nothing is left to report', async () => {
    const text = `function count(pool) {
  return pool.connect().then((client) =>
    client.query('SELECT 1 AS n').then((result) => {
      client.release();
      return result.rows[0].n;
    }),
  );
}
`;
    assert.deepEqual(lines(await findings(text)), ['2 release-not-guaranteed']);
    const { titles, fixed } = await fixAll(text);
    assert.deepEqual(titles, ['Release in .finally (`client.release()` after the `.then` on line 3)']);
    assert.equal(
      fixed,
      `function count(pool) {
  return pool.connect().then((client) =>
    client.query('SELECT 1 AS n').then((result) => {
      return result.rows[0].n;
    }).finally(() => client.release()),
  );
}
`,
    );
    assert.deepEqual(lines(await findings(fixed)), []);
  });

  it("not when the released name is the callback's own parameter, nor for a helper that commits", async () => {
    const own = `function f(pool) {
  return pool.connect().then((client) => {
    client.release();
    return 1;
  });
}
`;
    const list = await findings(own);
    const [fixes] = await fixesFor(own, 'javascript', list);
    assert.ok(!(fixes ?? []).some((f) => f.title.startsWith('Release in .finally')));
  });

  it('a `return client.query(…)` moved into try becomes `return await …`: a finally must not release before the query settles', async () => {
    const asyncText = `async function first(pool) {
  const client = await pool.connect();
  return client.query('SELECT 1 AS n').then((result) => {
    client.release();
    return result.rows[0].n;
  });
}
`;
    const { fixed } = await fixAll(asyncText);
    assert.ok(fixed.includes("  try {\n    return await client.query('SELECT 1 AS n').then((result) => {"), fixed);
    assert.deepEqual(lines(await findings(fixed)), []);
  });
});

describe('in the wild: middleware that keeps the client on the request', () => {
  const text = `const { Pool } = require('pg');
const pool = new Pool();
async function onFinish(req, res, next) {
  const client = await pool.connect();
  req.db_client = client;
  res.on('finish', () => {
    req.db_client.release(true);
  });
  next();
}
const manager = {
  connect: async (req, res, next) => {
    req.client = await pool.connect();
    next();
  },
  close: async (req, res, next) => {
    req.client?.release?.();
  },
};
async function onClose(req, res, next) {
  req.client = await pool.connect();
  res.on('close', () => req.client.release());
  next();
}
async function koa(ctx, next) {
  ctx.client = await pool.connect();
  try {
    await next();
  } finally {
    ctx.client.release();
  }
}
`;

  it("released only on 'finish', or left to a later handler: reported at the acquire with what skips it; on 'close' or in its own finally: not", async () => {
    const list = await findings(text);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed', '13 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /^`req\.db_client` from `pool\.connect\(\)` on line 4 is kept on the request and released only when the response emits 'finish': a request the client aborts/);
    assert.match(list[1]?.message ?? '', /^`req\.client` from `pool\.connect\(\)` on line 13 is kept on the request for a later handler to release: a route that answers without calling `next\(\)`/);
    assert.deepEqual(list[1]?.related.map((r) => r.range.startLine + 1), [13]);
  });

  it('Koa: a client left on ctx for a later middleware is told to be released after await next(), in a finally', async () => {
    const koa = `const { Pool } = require('pg');
const pool = new Pool();
async function db(ctx, next) {
  ctx.client = await pool.connect();
  await next();
}
`;
    const list = await findings(koa);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /is kept on the context for a later middleware to release: .* Release it in this middleware after `await next\(\)`, in a `finally`\.$/);
  });

  it('a function that keeps a client on some other object it was given is no middleware', async () => {
    const other = `const { Pool } = require('pg');
const pool = new Pool();
async function setup(app, options, done) {
  app.client = await pool.connect();
  done();
}
`;
    assert.ok(!(await findings(other)).some((f) => f.message.includes('kept on the request')));
  });

  it("the fix listens for 'close' instead of 'finish'; a client left to a later handler gets none (it would be released twice)", async () => {
    const list = await findings(text);
    const [onFinish, later] = await fixesFor(text, 'javascript', list);
    assert.deepEqual(onFinish?.map((f) => f.title), ["Release on 'close' instead of 'finish' (every response emits 'close', an aborted one only that)"]);
    assert.deepEqual(later ?? [], []);
    const fixed = applyEdits(text, onFinish?.[0]?.edits ?? []);
    assert.ok(fixed.includes("  res.on('close', () => {\n    req.db_client.release(true);"), fixed);
    assert.deepEqual(lines(await findings(fixed)), ['13 release-not-guaranteed']);
  });

  it("what that fix relies on, in Node's own HTTP server: 'close' follows 'finish' on an answered request, and is all an aborted one emits", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      res.on('finish', () => seen.push(`${req.url} finish`));
      res.on('close', () => seen.push(`${req.url} close`));
      if (req.url === '/answered') res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => http.get({ host: '127.0.0.1', port, path: '/answered' }, (res) => res.resume().on('end', resolve)));
      const aborted = http.get({ host: '127.0.0.1', port, path: '/aborted' });
      aborted.on('error', () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      aborted.destroy();
      const deadline = Date.now() + 5000;
      while (!seen.includes('/aborted close') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(seen, ['/answered finish', '/answered close', '/aborted close']);
    } finally {
      server.close();
    }
  });
});

describe('promise shapes (issue 16, item 10)', () => {
  it('Promise.all of two connects: when one rejects, the other client is never released, whatever the code does after', async () => {
    const text = `const { Pool } = require('pg');
const pool = new Pool();
async function both() {
  const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
  try {
    await a.query('SELECT 1');
  } finally {
    a.release();
    b.release();
  }
}
async function settled() {
  const results = await Promise.allSettled([pool.connect(), pool.connect()]);
  for (const r of results) if (r.status === 'fulfilled') r.value.release();
}
`;
    const list = await findings(text);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed', '4 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /is one of the promises `Promise\.all` on line 4 waits for: when another rejects first, `Promise\.all` rejects and this client, once it connects, is never released/);
  });

  it('clients collected in a loop with no try around it: a later acquire that fails drops the ones collected (JS and Python); inside the try, not judged', async () => {
    const js = `const { Pool } = require('pg');
const pool = new Pool();
async function many(n) {
  const clients = [];
  for (let i = 0; i < n; i++) clients.push(await pool.connect());
  try {
    for (const c of clients) await c.query('SELECT 1');
  } finally {
    for (const c of clients) c.release();
  }
}
async function manySafe(n) {
  const clients = [];
  try {
    for (let i = 0; i < n; i++) clients.push(await pool.connect());
  } finally {
    for (const c of clients) c.release();
  }
}
`;
    const list = await findings(js);
    assert.deepEqual(lines(list), ['5 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /are kept in `clients` as this loop acquires them: when a later `pool\.connect\(\)` fails/);
    const py = `from psycopg2 import pool
p = pool.SimpleConnectionPool(1, 5)
def open_all(n):
    conns = []
    for _ in range(n):
        conns.append(p.getconn())
    try:
        for c in conns:
            c.cursor().execute("select 1")
    finally:
        for c in conns:
            p.putconn(c)
`;
    assert.deepEqual(lines(await findings(py, 'python')), ['6 release-not-guaranteed']);
  });

  it('withClient(fn) lends the client to fn and releases it only in .then: a rejecting fn keeps it; a helper that gives the client away to fn is not judged', async () => {
    const text = `const { Pool } = require('pg');
const pool = new Pool();
function withClient(fn) {
  return pool.connect().then((client) => fn(client).then((result) => {
    client.release();
    return result;
  }));
}
function giveAway(fn) {
  return pool.connect().then((client) => fn(client));
}
`;
    const list = await findings(text);
    assert.deepEqual(lines(list), ['4 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /a throw from `fn` on line 4 skips the release on line 5/);
  });
});

describe('false alarms to remove (issue 16, item 12)', () => {
  it("an acquire guarded by an ownership flag that the finally checks again is released on every path that acquired; without the finally it still leaks", async () => {
    const py = `from psycopg2 import pool
p = pool.SimpleConnectionPool(1, 5)

def owned(conn=None):
    own = conn is None
    if own:
        conn = p.getconn()
    try:
        cur = conn.cursor()
        cur.execute("select 1")
    finally:
        if own:
            p.putconn(conn)

def owned_leak(conn=None):
    own = conn is None
    if own:
        conn = p.getconn()
    cur = conn.cursor()
    cur.execute("select 1")
    if own:
        p.putconn(conn)
`;
    assert.deepEqual(lines(await findings(py, 'python')), ['18 release-not-guaranteed']);
    const js = `const { Pool } = require('pg');
const pool = new Pool();
async function count(client) {
  const own = !client;
  if (own) client = await pool.connect();
  try {
    return (await client.query('SELECT 1')).rows;
  } finally {
    if (own) client.release();
  }
}
`;
    assert.deepEqual(lines(await findings(js)), []);
  });

  it('contextlib.ExitStack: a release registered right after the acquire is the stack\'s to run; registered after a query, that query can still leak it', async () => {
    const py = `import contextlib
import asyncpg
from psycopg2 import pool
p = pool.SimpleConnectionPool(1, 5)

def work():
    with contextlib.ExitStack() as stack:
        conn = p.getconn()
        stack.callback(p.putconn, conn)
        cur = conn.cursor()
        cur.execute("select 1")
        return cur.fetchall()

async def work_async(apool):
    async with contextlib.AsyncExitStack() as stack:
        conn = await apool.acquire()
        stack.push_async_callback(apool.release, conn)
        return await conn.fetch("select 1")

def late():
    with contextlib.ExitStack() as stack:
        conn = p.getconn()
        conn.cursor().execute("select 1")
        stack.callback(p.putconn, conn)
`;
    assert.deepEqual(lines(await findings(py, 'python')), ['22 release-not-guaranteed']);
    // The asyncpg one counts as an acquire here: without its registration it is reported.
    assert.deepEqual(lines(await findings(py.replace('        stack.push_async_callback(apool.release, conn)\n', ''), 'python')), ['16 unreleased-client', '21 release-not-guaranteed']);
  });
});

describe('in the wild: what runs once per process', () => {
  it("a script's function called only from its top level or its __main__ block, outside loops, runs once; called in a loop, from a thread or a method, it does not", async () => {
    const script = (calls: string): string => `import psycopg2.pool
pool = psycopg2.pool.SimpleConnectionPool(1, 4, dsn='')

def load_staging(path):
    conn = pool.getconn()
    cur = conn.cursor()
    cur.execute('COPY staging FROM %s', (path,))
    conn.commit()

def main():
    load_staging('a.csv')

${calls}
`;
    // Once per process: called from main(), which only the __main__ block calls.
    assert.deepEqual(lines(await findings(script("if __name__ == '__main__':\n    main()"), 'python')), []);
    // Called from the top level directly, outside any loop: the same.
    assert.deepEqual(lines(await findings(script("load_staging('b.csv')\nmain()"), 'python')), []);
    // main() itself never called here: another module may call it any number of times.
    assert.deepEqual(lines(await findings(script("load_staging('b.csv')"), 'python')), ['5 unreleased-client']);
    // Each of these can run it any number of times: the leak piles up.
    for (const calls of [
      "for path in ['a.csv', 'b.csv']:\n    load_staging(path)",
      "import threading\nthreading.Thread(target=main).start()",
      "class Job:\n    def run(self):\n        main()",
      "[load_staging(p) for p in ['a.csv']]",
    ]) {
      assert.deepEqual(lines(await findings(script(calls), 'python')), ['5 unreleased-client'], calls);
    }
  });

  it('a test that declares its own fake pool (and imports no PostgreSQL driver) acquires nothing of PostgreSQL', async () => {
    const fake = (name: string): string => `import pytest
from connectionpool import ConnectionPool

class ${name}:
    def __init__(self, **kwargs):
        self.maxconn = kwargs['maxconn']

    def getconn(self, key=None):
        return object()

    def putconn(self, conn, key=None, close=False):
        pass

@pytest.fixture
def pool():
    yield ConnectionPool(original_pool=${name}(maxconn=2))

def test_reused(pool):
    conn1 = pool.getconn()
    pool.putconn(conn1)
    conn2 = pool.getconn()
    assert conn1 is conn2
`;
    assert.deepEqual(lines(await findings(fake('FakePool'), 'python')), []);
    // Without a double of its own, the same test takes a real pool's connection and keeps it.
    assert.deepEqual(lines(await findings(fake('PoolOptions'), 'python')), ['21 unreleased-client']);
    // The same in JavaScript; a double's method past blank lines and other members still counts.
    const js = (name: string): string => `const { withClient } = require('../src/db');
class ${name} {
  constructor() {
    this.released = 0;
  }

  async connect() {
    return { query: async () => ({ rows: [] }), release: () => this.released++ };
  }
}
it('keeps the client', async () => {
  const pool = new ${name}();
  const client = await pool.connect();
  await client.query('SELECT 1');
});
`;
    assert.deepEqual(lines(await findings(js('MockPool'))), []);
    assert.deepEqual(lines(await findings(js('PoolLike'))), ['13 unreleased-client']);
  });

  it("a module's own code that keeps its connection, or ends the program with it, leaks nothing; a loop there that acquires again does", async () => {
    const script = `from sqlalchemy import create_engine
engine = create_engine('postgresql+psycopg2://app@127.0.0.1/app')
connection = engine.connect()

def load(rows):
    connection.execute(rows)

if __name__ == '__main__':
    load('SELECT 1')
    connection.close()
`;
    assert.deepEqual(lines(await findings(script, 'python')), []);
    const loop = `const { Pool } = require('pg');
const pool = new Pool();
for (const id of [1, 2, 3]) {
  const client = await pool.connect();
  await client.query('select $1', [id]);
}
`;
    const looped = await findings(loop);
    assert.deepEqual(lines(looped), ['4 unreleased-client']);
    assert.match(looped[0]?.message ?? '', /never released/);
    // A callback the module passes runs once per request or test, not once per process.
    const handler = `const { Pool } = require('pg');
const pool = new Pool();
app.get('/count', async (req, res) => {
  const client = await pool.connect();
  const { rows } = await client.query('select count(*) from t');
  client.release();
  res.json(rows);
});
`;
    assert.deepEqual(lines(await findings(handler)), ['4 release-not-guaranteed']);
  });

  it('an __aexit__ that releases under an ownership flag its __aenter__ set is trusted', async () => {
    const maybe = `class MaybeAcquire:
    def __init__(self, connection, *, pool):
        self._connection = connection
        self.pool = pool
        self._cleanup = False

    async def __aenter__(self):
        if self._connection is None:
            self._cleanup = True
            self._connection = c = await self.pool.acquire()
            return c
        return self._connection

    async def __aexit__(self, *args):
        if self._cleanup:
            await self.pool.release(self._connection)
`;
    assert.deepEqual(lines(await findings(maybe, 'python')), []);
  });
});

describe('in the wild: calls that cannot fail, and calls that end the process', () => {
  it('a function of the file that only logs or registers listeners, or catches everything without rethrowing, cannot throw', async () => {
    const text = `const { Pool } = require('pg');
const pool = new Pool();
async function showRows(client, id) {
  try {
    const res = await client.query('select $1', [id]);
    return res.rows;
  } catch (error) {
    console.log(error);
  }
}
const players = { showRows };
function attachErrorHandler(settings, pg) {
  if (!pg.listenerCount('error')) pg.on('error', (err) => console.error(err));
}
async function loud(client) {
  try {
    return await client.query('select 1');
  } catch (error) {
    console.log(error);
    throw error;
  }
}
async function a() {
  const client = await pool.connect();
  attachErrorHandler({}, client);
  console.log(await players.showRows(client, 22));
  client.release();
}
async function b() {
  const client = await pool.connect();
  await loud(client);
  client.release();
}`;
    const list = await findings(text);
    assert.deepEqual(lines(list), ['30 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /a throw from `loud` on line 31/);
  });

  it('a catch that ends the process leaves nothing checked out', async () => {
    const text = `const { Pool } = require('pg');
const pool = new Pool();
async function probe() {
  const client = await pool.connect();
  try {
    await client.query('SELECT NOW()');
  } catch (err) {
    console.error('database unreachable', err);
    process.exit(1);
  }
  client.release();
}`;
    assert.deepEqual(lines(await findings(text)), []);
    const python = `import sys
def probe(pool):
    conn = pool.getconn()
    try:
        conn.cursor().execute("SELECT 1")
    except Exception:
        sys.exit(1)
    pool.putconn(conn)
`;
    assert.deepEqual(lines(await findings(python, 'python')), []);
  });
});

describe('in the wild: node-postgres before 7, route handlers and tests', () => {
  it("a query neither awaited nor given a callback fails later, not where it is called; awaited or chained, it throws there", async () => {
    const old = `var pg = require('pg');
router.post('/create', function (req, res) {
  pg.connect(connectionString, function (err, client, done) {
    client.query('INSERT INTO whisky (region) VALUES ($1)', [req.body.region]);
    done();
    res.send(true);
  });
});`;
    assert.deepEqual(lines(await findings(old)), []);
    const awaited = `const { Pool } = require('pg');
const pool = new Pool();
async function f() {
  const client = await pool.connect();
  client.query('BEGIN');
  await client.query('INSERT INTO t VALUES (1)');
  client.release();
}
function g() {
  return pool.connect().then((client) => client.query('SELECT 1').then(() => client.release()));
}`;
    assert.deepEqual(lines(await findings(awaited)), ['4 release-not-guaranteed', '10 release-not-guaranteed']);
  });

  it('each route handler and each test is a function of its own: the same name in another one is not the same client', async () => {
    const routes = `var pg = require('pg');
router.get('/a', function (req, res) {
  pg.connect(cs, function (err, client, done) {
    client.query('SELECT 1', function (err, result) {
      done();
      res.json(result.rows);
    });
  });
});
router.get('/b', function (req, res) {
  pg.connect(cs, function (err, client, done) {
    client.query('SELECT 2', function (err, result) {
      if (err) return res.sendStatus(500);
      done();
      res.json(result.rows);
    });
  });
});`;
    const list = await findings(routes);
    assert.deepEqual(lines(list), ['11 release-not-guaranteed']);
    assert.match(list[0]?.message ?? '', /the `return` on line 13/);
  });
});
