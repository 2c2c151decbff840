// The statements a file sends, as the index reads them from the analyser's parse: the forms real code
// writes them in, the call that sends each, and the line a session's query should lead to.
import * as assert from 'node:assert/strict';
import { analyzeWorkspace, type SourceFile } from '../../../../src/analysis/analyzer';
import { SqlIndex } from '../../../../src/analysis/sql/sqlIndex';

const JS = `const { Pool } = require('pg');
const pool = new Pool();
const TABLE = 'orders';

async function openOrders(customer) {
  const { rows } = await pool.query('SELECT id, total FROM orders WHERE customer_id = $1 AND state = $2', [customer, 'open']);
  return rows;
}

async function cancel(id) {
  const client = await pool.connect();
  try {
    const sql = 'UPDATE orders SET state = $1 WHERE id = $2';
    await client.query(sql, ['cancelled', id]);
  } finally {
    client.release();
  }
}

async function byTable(table, id) {
  return pool.query(\`SELECT * FROM \${table} WHERE id = $1\`, [id]);
}

async function config(id) {
  return pool.query({ text: 'DELETE FROM carts ' + 'WHERE id = $1', values: [id] });
}

async function shorthand(age) {
  const text = 'DELETE FROM sessions WHERE created_at < now() - $1::interval';
  const values = [age];
  const result = await pool.query({ text, values });
  return result.rowCount;
}

async function named(id) {
  const sql = 'DELETE FROM tokens WHERE id = $1';
  return pool.query({ name: 'drop-token', text: sql, values: [id] });
}

function label() {
  return 'Select a database';
}
`;

const PY = `import psycopg2

def totals(conn, day):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT sum(total) FROM orders "
            "WHERE created_at::date = %s",
            (day,),
        )
        return cur.fetchone()

def by_state(conn, table, state):
    query = f"SELECT count(*) FROM {table} WHERE state = %(state)s"
    cur = conn.cursor()
    cur.execute(query, {"state": state})
`;

const PG_JS = `import postgres from 'postgres';
const sql = postgres();
export async function recent(limit: number) {
  return sql\`SELECT id FROM events ORDER BY at DESC LIMIT \${limit}\`;
}
`;

describe("SQL sites from the analyser's parse", () => {
  let index: SqlIndex;
  before(async () => {
    const files: SourceFile[] = [
      { path: 'src/orders.js', text: JS, language: 'javascript' },
      { path: 'jobs/report.py', text: PY, language: 'python' },
      { path: 'src/events.ts', text: PG_JS, language: 'typescript' },
    ];
    const results = await analyzeWorkspace(files, { sqlSites: true });
    index = new SqlIndex();
    for (const r of results) index.setFile(r.path, r.sql ?? []);
  });

  const top = (query: string, truncated = false): string => {
    const [best] = index.match(query, { truncated });
    return best ? `${best.site.file}:${best.site.range.startLine + 1} ${best.kind} ${best.site.functionName ?? ''} ${best.site.api ?? ''}`.trim() : 'none';
  };

  it('finds a literal passed to the query call, as node-postgres sends it', () => {
    assert.equal(top('SELECT id, total FROM orders WHERE customer_id = $1 AND state = $2'), 'src/orders.js:6 exact openOrders pool.query');
  });

  it('finds a variable of the same function at the call that sends it', () => {
    assert.equal(top('UPDATE orders SET state = $1 WHERE id = $2'), 'src/orders.js:14 exact cancel client.query');
  });

  it('matches text the program fills in as a pattern', () => {
    assert.equal(top('SELECT * FROM orders WHERE id = $1'), 'src/orders.js:21 pattern byTable pool.query');
    assert.equal(top("SELECT count(*) FROM archived_orders WHERE state = 'open'"), 'jobs/report.py:15 pattern by_state cur.execute');
  });

  it("reads node-postgres' query config and concatenated literals", () => {
    assert.equal(top('DELETE FROM carts WHERE id = $1'), 'src/orders.js:25 exact config pool.query');
  });

  it("finds a variable passed in node-postgres' query config, shorthand or named", () => {
    assert.equal(top('DELETE FROM sessions WHERE created_at < now() - $1::interval'), 'src/orders.js:31 exact shorthand pool.query');
    assert.equal(top('DELETE FROM tokens WHERE id = $1'), 'src/orders.js:37 exact named pool.query');
  });

  it('finds psycopg2 statements as the server saw them, constants spliced in', () => {
    // psycopg2 sends a datetime.date as '2026-12-03'::date
    assert.equal(top("SELECT sum(total) FROM orders WHERE created_at::date = '2026-12-03'::date"), 'jobs/report.py:5 exact totals cur.execute');
    assert.equal(top("SELECT sum(total) FROM orders WHERE created_at::date = '2026-12-03'"), 'jobs/report.py:5 exact totals cur.execute');
  });

  it("reads postgres.js tagged templates: their values are parameters", () => {
    assert.equal(top('SELECT id FROM events ORDER BY at DESC LIMIT $1'), 'src/events.ts:4 exact recent sql');
  });

  it('finds a query pg_stat_activity cut off by its first tokens', () => {
    assert.equal(top('SELECT id, total FROM orders WHERE custo', true), 'src/orders.js:6 prefix openOrders pool.query');
  });

  it('leaves text that is not a statement out', () => {
    assert.equal(index.size, 9);
    assert.equal(top('Select a database'), 'none');
  });
});

describe('SQL sites in Go, Java and C#', () => {
  const GO = `package shop

import "context"

func Stock(ctx context.Context, sku string) (int, error) {
	q := "SELECT quantity FROM stock WHERE sku = $1"
	var n int
	err := pool.QueryRow(ctx, q, sku).Scan(&n)
	return n, err
}

func Restock(ctx context.Context, sku string) error {
	_, err := db.ExecContext(ctx, \`UPDATE stock
SET quantity = quantity + 10 \` + "WHERE sku = $1", sku)
	return err
}
`;
  const JAVA = `class Invoices {
    int open(java.sql.Connection conn) throws Exception {
        String sql = "SELECT count(*) FROM invoices WHERE paid = ?";
        var ps = conn.prepareStatement(sql);
        return 0;
    }
    void archive(java.sql.Connection conn) throws Exception {
        conn.prepareStatement("""
            DELETE FROM invoices WHERE id = ?
            """).executeUpdate();
    }
}
`;
  const CS = `using Npgsql;
class Payments {
    async Task Record(NpgsqlDataSource ds, int id) {
        await using var conn = await ds.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("INSERT INTO payments (invoice_id) VALUES ($1)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
    void Total(NpgsqlConnection conn, int id) {
        var sql = $"SELECT sum(amount) FROM payments WHERE invoice_id = {id}";
        using var cmd = new NpgsqlCommand(sql, conn);
    }
}
`;
  let index: SqlIndex;
  before(async () => {
    const files: SourceFile[] = [
      { path: 'shop/stock.go', text: GO, language: 'go' },
      { path: 'src/Invoices.java', text: JAVA, language: 'java' },
      { path: 'src/Payments.cs', text: CS, language: 'csharp' },
    ];
    const results = await analyzeWorkspace(files, { sqlSites: true });
    index = new SqlIndex();
    for (const r of results) index.setFile(r.path, r.sql ?? []);
  });

  const top = (query: string): string => {
    const [best] = index.match(query, { truncated: false });
    return best ? `${best.site.file}:${best.site.range.startLine + 1} ${best.kind} ${best.site.functionName ?? ''} ${best.site.api ?? ''}`.trim() : 'none';
  };

  it('Go: a variable passed after the context, and a raw string concatenated with an interpreted one', () => {
    assert.equal(top('SELECT quantity FROM stock WHERE sku = $1'), 'shop/stock.go:8 exact Stock pool.QueryRow');
    assert.equal(top('UPDATE stock SET quantity = quantity + 10 WHERE sku = $1'), 'shop/stock.go:13 exact Restock db.ExecContext');
  });

  it('Java: a local String at prepareStatement, and a text block', () => {
    assert.equal(top('SELECT count(*) FROM invoices WHERE paid = $1'), 'src/Invoices.java:4 exact open conn.prepareStatement');
    assert.equal(top('DELETE FROM invoices WHERE id = $1'), 'src/Invoices.java:8 exact archive conn.prepareStatement');
  });

  it("C#: a literal in new NpgsqlCommand(…), and an interpolated string's holes as text the program fills in", () => {
    assert.equal(top('INSERT INTO payments (invoice_id) VALUES ($1)'), 'src/Payments.cs:5 exact Record new NpgsqlCommand');
    assert.equal(top('SELECT sum(amount) FROM payments WHERE invoice_id = 42'), 'src/Payments.cs:10 pattern Total new NpgsqlCommand');
  });
});
