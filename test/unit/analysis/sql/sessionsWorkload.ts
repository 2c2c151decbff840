// A generated application for the sessions-to-code measure (issue 18, item 4): JavaScript, TypeScript
// and Python files that send their SQL in the forms real code uses (literals, variables of the same
// function, templates and f-strings with text filled in, node-postgres' query config, concatenations,
// psycopg2's %s and %(name)s, asyncpg's $1, comments, lists, case and whitespace), and for every
// statement the file, the line of the call that sends it, the function to run and its arguments.
// The statements are run for real by the test (node-postgres, psycopg2, asyncpg), one connection
// each, so pg_stat_activity holds exactly what each driver sent.

export type Driver = 'pg' | 'psycopg2' | 'asyncpg';

/** An argument as JSON; Python turns {$date} into datetime.date and {$tuple} into a tuple. */
export type Arg = string | number | boolean | null | Arg[] | { $date: string } | { $tuple: Arg[] };

export interface WorkloadStatement {
  /** The session's application_name. */
  id: string;
  /** Relative to the workload folder. */
  file: string;
  /** 1-based line of the call that sends the statement: where Go to Code should open. */
  line: number;
  fn: string;
  /** The function is a method of this exported class: constructed with the connection, or static. */
  className?: string;
  isStatic?: boolean;
  driver: Driver;
  /** node-postgres only: a Pool (max 1, never idles out) or a connected Client. */
  conn: 'pool' | 'client';
  args: Arg[];
  /** Left idle in transaction (BEGIN before the call, psycopg2 without autocommit, asyncpg transaction). */
  transaction: boolean;
  /** The state the session is left in. */
  state: 'idle' | 'idle in transaction';
  /** Which form of code sends it (for the report). */
  form: string;
}

export interface WorkloadFile {
  path: string;
  text: string;
  language: 'javascript' | 'typescript' | 'python';
}

export interface Workload {
  files: WorkloadFile[];
  statements: WorkloadStatement[];
  /** CREATE TABLE and seed rows for every table the statements use. */
  schema: string;
}

export const TABLES = ['orders', 'customers', 'invoices', 'products', 'line_items', 'events', 'users', 'payments', 'shipments', 'audit_log', 'carts', 'coupons'];

/** Every table has every column, so any shape is valid SQL on any table. */
export function schemaSql(): string {
  const columns =
    "id serial PRIMARY KEY, customer_id int, user_id int, order_id int, state text DEFAULT 'open', kind text, name text, email text, " +
    "total numeric DEFAULT 0, amount numeric DEFAULT 0, qty int DEFAULT 1, created_at timestamptz DEFAULT now(), updated_at timestamptz, " +
    "active boolean DEFAULT true, note text, payload jsonb DEFAULT '{}'";
  return TABLES.map(
    (t) =>
      `CREATE TABLE IF NOT EXISTS ${t} (${columns});\n` +
      `INSERT INTO ${t} (customer_id, user_id, order_id, state, name, email, total, amount) ` +
      `SELECT i % 10, i % 7, i, CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, 'name ' || i, 'user' || i || '@example.com', i * 10, i FROM generate_series(1, 40) i;`,
  ).join('\n');
}

/** A function body: the line the call starts on is marked with CALL at its start. */
const CALL = '\u0001';

interface Shape {
  form: string;
  /** Parameters after the connection: name and TypeScript type. */
  params: [string, string][];
  conn?: 'pool' | 'client';
  /** Default: chosen by position (some sessions left idle in transaction). */
  transaction?: boolean;
  /** The function itself leaves the session idle in transaction. */
  leaves?: 'idle in transaction';
  body: (t: string) => string[];
  args: (t: string) => Arg[];
}

/** A column list long enough that pg_stat_activity cuts the statement off (default track_activity_query_size 1024). */
function longColumns(t: string, quote: string): string {
  const out: string[] = [];
  for (let i = 1; i <= 14; i++) out.push(`CASE WHEN ${t}.total > ${i * 10} THEN coalesce(${t}.note, ${quote}tier ${i}${quote}) ELSE ${t}.state END AS tier_${i}`);
  return out.join(',\n       ');
}

const JS_SHAPES: Shape[] = [
  {
    form: 'literal, values',
    params: [['customerId', 'number']],
    body: (t) => [`${CALL}const { rows } = await pool.query('SELECT id, state, total FROM ${t} WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20', [customerId]);`, 'return rows;'],
    args: () => [3],
  },
  {
    form: 'literal, values (near-duplicate: one more condition)',
    params: [['customerId', 'number'], ['state', 'string']],
    body: (t) => [`${CALL}const { rows } = await pool.query('SELECT id, state, total FROM ${t} WHERE customer_id = $1 AND state = $2 ORDER BY created_at DESC LIMIT 20', [customerId, state]);`, 'return rows;'],
    args: () => [3, 'open'],
  },
  {
    form: 'literal, simple protocol, constants, lower case and extra spaces',
    params: [],
    conn: 'client',
    body: (t) => [`${CALL}const result = await client.query("select count(*)  as n\\n   from ${t}   where state = 'open' and active = true");`, 'return result.rows[0].n;'],
    args: () => [],
  },
  {
    form: 'const sql of the same function',
    params: [['id', 'number'], ['state', 'string']],
    conn: 'client',
    transaction: true,
    body: (t) => [`const sql = 'UPDATE ${t} SET state = $2, updated_at = now() WHERE id = $1';`, `${CALL}await client.query(sql, [id, state]);`],
    args: () => [4, 'closed'],
  },
  {
    form: 'template literal, ${schema} filled in',
    params: [['schema', 'string'], ['email', 'string']],
    body: (t) => [`${CALL}const { rows } = await pool.query(\`SELECT id, name, email FROM \${schema}.${t} WHERE active AND email = $1\`, [email]);`, 'return rows[0];'],
    args: () => ['public', 'user5@example.com'],
  },
  {
    form: '{ text: …, values } config',
    params: [['email', 'string']],
    body: (t) => [`${CALL}const { rows } = await pool.query({`, `  text: 'SELECT id, email, name FROM ${t} WHERE lower(email) = lower($1)',`, '  values: [email],', '});', 'return rows;'],
    args: () => ['User6@example.com'],
  },
  {
    form: '{ text, values } shorthand of variables',
    params: [['age', 'string']],
    body: (t) => [
      `const text = 'DELETE FROM ${t} WHERE created_at < now() - $1::interval AND state = $2';`,
      "const values = [age, 'stale'];",
      `${CALL}const result = await pool.query({ text, values });`,
      'return result.rowCount;',
    ],
    args: () => ['30 days'],
  },
  {
    form: "'…' + '…' concatenation in a variable",
    params: [['customerId', 'number'], ['minimum', 'number']],
    conn: 'client',
    body: (t) => [
      `const sql = 'SELECT id, total FROM ${t} ' +`,
      "  'WHERE customer_id = $1 ' +",
      "  'AND total > $2 ORDER BY total DESC';",
      `${CALL}const { rows } = await client.query(sql, [customerId, minimum]);`,
      'return rows;',
    ],
    args: () => [2, 15],
  },
  {
    form: 'multi-line template with comments and a join',
    params: [['state', 'string'], ['limit', 'number']],
    body: (t) => [
      `${CALL}const { rows } = await pool.query(\``,
      `  -- recent ${t} with their customer`,
      '  SELECT t.id, t.total, c.name',
      `    FROM ${t} t`,
      '    JOIN customers c ON c.id = t.customer_id  /* the owner */',
      '   WHERE t.state = $1',
      '   ORDER BY t.created_at DESC',
      '   LIMIT $2',
      '`, [state, limit]);',
      'return rows;',
    ],
    args: () => ['open', 5],
  },
  {
    form: "literal + a WHERE clause the caller passes",
    params: [['where', 'string'], ['values', 'unknown[]']],
    body: (t) => [`${CALL}return pool.query('SELECT id, name FROM ${t} WHERE ' + where, values);`],
    args: () => ['active AND customer_id = $1', [4]],
  },
  {
    form: '= ANY($1) with an array',
    params: [['ids', 'number[]']],
    body: (t) => [`${CALL}const { rows } = await pool.query('SELECT id, state FROM ${t} WHERE id = ANY($1::int[])', [ids]);`, 'return rows;'],
    args: () => [[1, 2, 3]],
  },
  {
    form: 'named prepared statement config',
    params: [['id', 'number']],
    body: (t) => [`${CALL}const { rows } = await pool.query({ name: '${t}-by-id', text: 'SELECT * FROM ${t} WHERE id = $1', values: [id] });`, 'return rows[0];'],
    args: () => [7],
  },
  {
    form: 'BEGIN, then a statement, never committed nor released (a leak)',
    params: [['customerId', 'number'], ['total', 'number']],
    transaction: false,
    leaves: 'idle in transaction',
    body: (t) => [
      'const client = await pool.connect();',
      "await client.query('BEGIN');",
      `${CALL}await client.query('INSERT INTO ${t} (customer_id, state, total) VALUES ($1, $2, $3)', [customerId, 'new', total]);`,
      '// no COMMIT, no release: the session stays idle in transaction',
    ],
    args: () => [9, 120],
  },
  {
    form: 'statement longer than track_activity_query_size (cut off)',
    params: [['customerId', 'number']],
    body: (t) => [`${CALL}const { rows } = await pool.query(\`SELECT ${t}.id,`, `       ${longColumns(t, "'")}`, `  FROM ${t}`, ` WHERE ${t}.customer_id = $1\`, [customerId]);`, 'return rows;'],
    args: () => [1],
  },
  {
    form: 'template literal, ORDER BY ${column} filled in',
    params: [['state', 'string'], ['column', 'string']],
    body: (t) => [`${CALL}const { rows } = await pool.query(\`SELECT id, name, created_at FROM ${t} WHERE state = $1 ORDER BY \${column} DESC LIMIT 50\`, [state]);`, 'return rows;'],
    args: () => ['closed', 'created_at'],
  },
];

const PSYCOPG2_SHAPES: Shape[] = [
  {
    form: 'psycopg2, implicit concatenation over lines, a date',
    params: [['customer_id', ''], ['since', '']],
    body: (t) => [
      'with conn.cursor() as cur:',
      `${CALL}    cur.execute(`,
      `        "SELECT id, state, total FROM ${t} "`,
      '        "WHERE customer_id = %s AND created_at > %s",',
      '        (customer_id, since),',
      '    )',
      '    return cur.fetchall()',
    ],
    args: () => [3, { $date: '2026-01-01' }],
  },
  {
    form: 'psycopg2, %(name)s with a None',
    params: [['id', ''], ['state', ''], ['note', '']],
    body: (t) => ['cur = conn.cursor()', `${CALL}cur.execute("UPDATE ${t} SET state = %(state)s, note = %(note)s WHERE id = %(id)s", {"state": state, "note": note, "id": id})`, 'return cur.rowcount'],
    args: () => [5, 'closed', null],
  },
  {
    form: 'psycopg2, f-string with {schema} filled in',
    params: [['schema', ''], ['state', '']],
    body: (t) => ['cur = conn.cursor()', `${CALL}cur.execute(f"SELECT count(*) FROM {schema}.${t} WHERE state = %s AND active", (state,))`, 'return cur.fetchone()[0]'],
    args: () => ['public', 'open'],
  },
  {
    form: 'psycopg2, IN %s with a tuple',
    params: [['ids', '']],
    body: (t) => ['with conn.cursor() as cur:', `${CALL}    cur.execute("SELECT id, name FROM ${t} WHERE id IN %s", (tuple(ids),))`, '    return cur.fetchall()'],
    args: () => [[1, 2, 3, 5, 8]],
  },
  {
    form: 'psycopg2, triple-quoted variable with a comment, lower case',
    params: [['since', '']],
    body: (t) => [
      'query = """',
      `    -- totals per state of ${t}`,
      '    select state, count(*), sum(total)',
      `      from ${t}`,
      '     where created_at >= %(since)s',
      '     group by state',
      '"""',
      'with conn.cursor() as cur:',
      `${CALL}    cur.execute(query, {"since": since})`,
      '    return cur.fetchall()',
    ],
    args: () => [{ $date: '2026-01-01' }],
  },
  {
    form: 'psycopg2, constants written in, no parameters',
    params: [],
    body: (t) => ['cur = conn.cursor()', `${CALL}cur.execute("SELECT id FROM ${t} WHERE state = 'open' AND total >= 100 LIMIT 10")`, 'return cur.fetchall()'],
    args: () => [],
  },
  {
    form: 'psycopg2, INSERT … RETURNING with a negative number, a bool and a None',
    params: [['customer_id', ''], ['amount', ''], ['active', ''], ['note', '']],
    body: (t) => [
      'with conn.cursor() as cur:',
      `${CALL}    cur.execute(`,
      `        "INSERT INTO ${t} (customer_id, amount, active, note) VALUES (%s, %s, %s, %s) RETURNING id",`,
      '        (customer_id, amount, active, note),',
      '    )',
      '    return cur.fetchone()[0]',
    ],
    args: () => [5, -20, true, null],
  },
  {
    form: 'psycopg2, "…" + "…" in a variable',
    params: [['email', '']],
    body: (t) => [`sql = "SELECT id, email FROM ${t} " + "WHERE email = %s AND active"`, 'cur = conn.cursor()', `${CALL}cur.execute(sql, (email,))`, 'return cur.fetchone()'],
    args: () => ['user3@example.com'],
  },
  {
    form: 'psycopg2, = ANY(%s) with a list',
    params: [['customer_ids', '']],
    body: (t) => ['cur = conn.cursor()', `${CALL}cur.execute("SELECT id FROM ${t} WHERE customer_id = ANY(%s) ORDER BY id", (customer_ids,))`, 'return cur.fetchall()'],
    args: () => [[1, 2, 4]],
  },
  {
    form: 'psycopg2, %% for the modulo operator',
    params: [['shards', ''], ['shard', '']],
    body: (t) => ['with conn.cursor() as cur:', `${CALL}    cur.execute("SELECT id, state FROM ${t} WHERE id %% %s = %s", (shards, shard))`, '    return cur.fetchall()'],
    args: () => [4, 1],
  },
  {
    form: 'psycopg2, statement longer than track_activity_query_size (cut off)',
    params: [['customer_id', '']],
    body: (t) => ['cur = conn.cursor()', `${CALL}cur.execute("""SELECT ${t}.id,`, `       ${longColumns(t, "'")}`, `  FROM ${t}`, ` WHERE ${t}.customer_id = %s""", (customer_id,))`, 'return cur.fetchall()'],
    args: () => [2],
  },
  {
    form: 'psycopg2, near-duplicate WHERE over lines',
    params: [['customer_id', ''], ['state', '']],
    body: (t) => [
      'with conn.cursor() as cur:',
      `${CALL}    cur.execute(`,
      `        "SELECT id, state, total FROM ${t} "`,
      '        "WHERE customer_id = %s AND state = %s",',
      '        (customer_id, state),',
      '    )',
      '    return cur.fetchall()',
    ],
    args: () => [3, 'closed'],
  },
];

const ASYNCPG_SHAPES: Shape[] = [
  {
    form: 'asyncpg, conn.fetch with $1',
    params: [['customer_id', ''], ['minimum', '']],
    body: (t) => [`${CALL}rows = await conn.fetch("SELECT id, state, total FROM ${t} WHERE customer_id = $1 AND total > $2", customer_id, minimum)`, 'return rows'],
    args: () => [4, 10],
  },
  {
    form: 'asyncpg, triple-quoted with a comment, fetchrow',
    params: [['email', '']],
    body: (t) => [
      `${CALL}row = await conn.fetchrow(`,
      '    """',
      '    SELECT id, name, email',
      `      FROM ${t}`,
      '     WHERE email = $1  -- unique',
      '    """,',
      '    email,',
      ')',
      'return row',
    ],
    args: () => ['user8@example.com'],
  },
  {
    form: 'asyncpg, f-string with {schema} filled in',
    params: [['schema', ''], ['id', '']],
    body: (t) => [`${CALL}await conn.execute(f"UPDATE {schema}.${t} SET updated_at = now() WHERE id = $1", id)`],
    args: () => ['public', 6],
  },
  {
    form: 'asyncpg, fetchval with a date',
    params: [['state', ''], ['since', '']],
    body: (t) => [`${CALL}return await conn.fetchval("SELECT count(*) FROM ${t} WHERE state = $1 AND created_at >= $2::date", state, since)`],
    args: () => ['open', { $date: '2026-01-01' }],
  },
  {
    form: 'asyncpg, variable of the same function',
    params: [['id', '']],
    body: (t) => [`sql = "DELETE FROM ${t} WHERE id = $1 RETURNING id"`, `${CALL}return await conn.fetch(sql, id)`],
    args: () => [40],
  },
  {
    form: 'asyncpg, = ANY($1::int[]) with a list',
    params: [['ids', '']],
    body: (t) => [`${CALL}return await conn.fetch("select ID, NAME from ${t} where ID = any($1::int[])", ids)`],
    args: () => [[2, 3]],
  },
];

class FileBuilder {
  readonly lines: string[] = [];
  /** Appends `body` indented; returns the 1-based line of the CALL mark. */
  add(body: string[], indent: string): number {
    let call = 0;
    for (const raw of body) {
      const marked = raw.startsWith(CALL);
      const line = marked ? raw.slice(1) : raw;
      if (marked) call = this.lines.length + 1;
      // A body line may hold several (the long column lists): they keep their own indentation.
      this.lines.push(...(line === '' ? '' : indent + line).split('\n'));
    }
    if (call === 0) throw new Error(`no call marked in ${body.join('\n')}`);
    return call;
  }
}

const camel = (t: string): string => t.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The workload: 14 JavaScript and TypeScript files, 10 Python files, 3 statements each. */
export function generateWorkload(): Workload {
  const files: WorkloadFile[] = [];
  const statements: WorkloadStatement[] = [];
  let counter = 0;
  const nextId = (): string => `stc-${String(++counter).padStart(3, '0')}`;

  // JavaScript (8 files) and TypeScript (6): one table per file, three shapes each, cycled.
  for (let k = 0; k < 14; k++) {
    const ts = k >= 8;
    const table = TABLES[k % TABLES.length] as string;
    const file = `${ts ? 'server' : 'src'}/${camel(table)}${k >= TABLES.length ? 'Admin' : ''}Repository.${ts ? 'ts' : 'js'}`;
    const b = new FileBuilder();
    const names: string[] = [];
    const asClass = ts && k % 2 === 0;
    const className = `${camel(table).replace(/^./, (c) => c.toUpperCase())}Repository`;
    if (ts) b.lines.push("import type { Pool, PoolClient } from 'pg';", '');
    else b.lines.push("'use strict';", '', `// Data access for ${table}.`, '');
    if (asClass) b.lines.push(`export class ${className} {`, '  constructor(private readonly pool: Pool) {}', '');
    for (let j = 0; j < 3; j++) {
      const shape = JS_SHAPES[(3 * k + j) % JS_SHAPES.length] as Shape;
      const conn = shape.conn ?? 'pool';
      const fn = `${['find', 'load', 'touch'][j]}${camel(table).replace(/^./, (c) => c.toUpperCase())}${j}`;
      names.push(fn);
      const params = shape.params.map(([n, type]) => (ts ? `${n}: ${type}` : n));
      let line: number;
      if (asClass && conn === 'pool') {
        b.lines.push(`  async ${fn}(${params.join(', ')}) {`);
        line = b.add(shape.body(table).map((l) => l.replace(/\bpool\./g, 'this.pool.')), '    ');
        b.lines.push('  }', '');
      } else {
        const first = ts ? `${conn}: ${conn === 'pool' ? 'Pool' : 'PoolClient'}` : conn;
        const indent = asClass ? '  ' : '';
        b.lines.push(`${indent}${asClass ? 'static async ' : ts ? 'export async function ' : 'async function '}${fn}(${[first, ...params].join(', ')}) {`);
        line = b.add(shape.body(table), `${indent}  `);
        b.lines.push(`${indent}}`, '');
      }
      const transaction = shape.transaction ?? (conn === 'client' && (k + j) % 2 === 0);
      statements.push({
        id: nextId(),
        file,
        line,
        fn,
        ...(asClass ? { className, isStatic: conn !== 'pool' } : {}),
        driver: 'pg',
        conn,
        args: shape.args(table),
        transaction,
        state: transaction || shape.leaves ? 'idle in transaction' : 'idle',
        form: `${ts ? 'TS' : 'JS'}: ${shape.form}`,
      });
    }
    if (asClass) b.lines.push('}');
    if (!ts) b.lines.push(`module.exports = { ${names.join(', ')} };`);
    files.push({ path: file, text: `${b.lines.join('\n')}\n`, language: ts ? 'typescript' : 'javascript' });
  }

  // Python: 6 psycopg2 files, 4 asyncpg files.
  for (let k = 0; k < 10; k++) {
    const asyncpg = k >= 6;
    const table = TABLES[(k + 3) % TABLES.length] as string;
    const file = `${asyncpg ? 'workers' : 'jobs'}/${table}_${asyncpg ? 'worker' : 'report'}.py`;
    const b = new FileBuilder();
    b.lines.push(`"""${asyncpg ? 'Background work' : 'Reports'} on ${table}."""`, asyncpg ? 'import asyncpg  # noqa: F401' : 'import psycopg2  # noqa: F401', '', '');
    const shapes = asyncpg ? ASYNCPG_SHAPES : PSYCOPG2_SHAPES;
    for (let j = 0; j < 3; j++) {
      const index = asyncpg ? 3 * (k - 6) + j : 3 * k + j;
      const shape = shapes[index % shapes.length] as Shape;
      const fn = `${['fetch', 'report', 'sweep'][j]}_${table}_${j}`;
      b.lines.push(`${asyncpg ? 'async def' : 'def'} ${fn}(${['conn', ...shape.params.map(([n]) => n)].join(', ')}):`);
      const line = b.add(shape.body(table), '    ');
      b.lines.push('', '');
      statements.push({
        id: nextId(),
        file,
        line,
        fn,
        driver: asyncpg ? 'asyncpg' : 'psycopg2',
        conn: 'client',
        args: shape.args(table),
        transaction: shape.transaction ?? index % 3 === 0,
        state: (shape.transaction ?? index % 3 === 0) ? 'idle in transaction' : 'idle',
        form: `${asyncpg ? 'asyncpg' : 'psycopg2'}: ${shape.form.replace(/^(psycopg2|asyncpg), /, '')}`,
      });
    }
    files.push({ path: file, text: `${b.lines.join('\n').trimEnd()}\n`, language: 'python' });
  }
  return { files, statements, schema: schemaSql() };
}

/** Runs Python statements (one connection each) and keeps the connections open until stdin closes. */
export const PYTHON_RUNNER = String.raw`
import asyncio, datetime, importlib.util, json, sys
sys.dont_write_bytecode = True
dsn = sys.argv[1]
jobs = json.load(open(sys.argv[2]))

def conv(v):
    if isinstance(v, dict):
        if '$date' in v:
            return datetime.date.fromisoformat(v['$date'])
        if '$tuple' in v:
            return tuple(conv(x) for x in v['$tuple'])
    if isinstance(v, list):
        return [conv(x) for x in v]
    return v

modules = {}
def load(path):
    if path not in modules:
        spec = importlib.util.spec_from_file_location('workload_%d' % len(modules), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[path] = module
    return modules[path]

held = []
errors = []

async def main():
    for job in jobs:
        fn = getattr(load(job['path']), job['fn'])
        args = [conv(a) for a in job['args']]
        try:
            if job['driver'] == 'psycopg2':
                import psycopg2
                conn = psycopg2.connect(dsn, application_name=job['id'])
                held.append(conn)
                conn.autocommit = not job['transaction']
                fn(conn, *args)
            else:
                import asyncpg
                conn = await asyncpg.connect(dsn, server_settings={'application_name': job['id']})
                held.append(conn)
                if job['transaction']:
                    await conn.transaction().start()
                await fn(conn, *args)
        except Exception as e:
            errors.append({'id': job['id'], 'error': repr(e)})
    print(json.dumps({'ready': True, 'errors': errors}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for conn in held:
        closed = conn.close()
        if asyncio.iscoroutine(closed):
            await closed

asyncio.run(main())
`;
