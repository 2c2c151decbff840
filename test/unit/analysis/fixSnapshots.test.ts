// RuleTester-style snapshots of the main fix shapes: input, the findings (rule and line), and the
// exact text after every fix is applied.
import * as assert from 'node:assert/strict';
import { analyzeText, fixText, type LanguageId } from '../../../src/analysis/analyzer';

interface Case {
  name: string;
  language: LanguageId;
  input: string;
  findings: string[];
  output: string;
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

const cases: Case[] = [
  {
    name: 'release only on the happy path: the rest of the function moves into try, the release into finally',
    language: 'javascript',
    input: lines(
      'async function find(pool, id) {',
      '  const client = await pool.connect();',
      "  const { rows } = await client.query('SELECT * FROM users WHERE id = $1', [id]);",
      '  client.release();',
      '  return rows[0];',
      '}',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'async function find(pool, id) {',
      '  const client = await pool.connect();',
      '  try {',
      "    const { rows } = await client.query('SELECT * FROM users WHERE id = $1', [id]);",
      '    return rows[0];',
      '  } finally {',
      '    client.release();',
      '  }',
      '}',
    ),
  },
  {
    name: 'a throwing statement between acquire and try moves into the existing try (4-space indent, no semicolons)',
    language: 'typescript',
    input: lines(
      'export async function run(pool: Pool) {',
      '    const client = await pool.connect()',
      "    await client.query('BEGIN')",
      '    try {',
      "        await client.query('COMMIT')",
      '    } finally {',
      '        client.release()',
      '    }',
      '}',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'export async function run(pool: Pool) {',
      '    const client = await pool.connect()',
      '    try {',
      "        await client.query('BEGIN')",
      "        await client.query('COMMIT')",
      '    } finally {',
      '        client.release()',
      '    }',
      '}',
    ),
  },
  {
    name: 'an existing catch with ROLLBACK stays; its release goes to finally',
    language: 'javascript',
    input: lines(
      'async function tx(pool) {',
      '  const client = await pool.connect();',
      '  try {',
      "    await client.query('BEGIN');",
      "    await client.query('COMMIT');",
      '    client.release();',
      '  } catch (e) {',
      "    await client.query('ROLLBACK');",
      '    client.release();',
      '    throw e;',
      '  }',
      '}',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'async function tx(pool) {',
      '  const client = await pool.connect();',
      '  try {',
      '    try {',
      "      await client.query('BEGIN');",
      "      await client.query('COMMIT');",
      '    } catch (e) {',
      "      await client.query('ROLLBACK');",
      '      throw e;',
      '    }',
      '  } finally {',
      '    client.release();',
      '  }',
      '}',
    ),
  },
  {
    name: 'a function that returns the client releases it only when the setup throws',
    language: 'javascript',
    input: lines(
      'async function getClient(pool) {',
      '  const client = await pool.connect();',
      "  await client.query('SET search_path = app');",
      '  return client;',
      '}',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'async function getClient(pool) {',
      '  const client = await pool.connect();',
      '  try {',
      "    await client.query('SET search_path = app');",
      '    return client;',
      '  } catch (error) {',
      '    client.release();',
      '    throw error;',
      '  }',
      '}',
    ),
  },
  {
    name: 'double release: the release outside finally goes',
    language: 'javascript',
    input: lines(
      'async function f(pool) {',
      '  const client = await pool.connect();',
      '  try {',
      "    await client.query('SELECT 1');",
      '  } catch (e) {',
      '    client.release();',
      '    throw e;',
      '  } finally {',
      '    client.release();',
      '  }',
      '}',
    ),
    findings: ['9 double-release'],
    output: lines(
      'async function f(pool) {',
      '  const client = await pool.connect();',
      '  try {',
      "    await client.query('SELECT 1');",
      '  } catch (e) {',
      '    throw e;',
      '  } finally {',
      '    client.release();',
      '  }',
      '}',
    ),
  },
  {
    name: 'psycopg2: putconn moves into finally, values read from the cursor stay inside',
    language: 'python',
    input: lines(
      'def count(pool):',
      '    conn = pool.getconn()',
      '    cur = conn.cursor()',
      '    cur.execute("SELECT count(*) FROM users")',
      '    pool.putconn(conn)',
      '    return cur.fetchone()[0]',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'def count(pool):',
      '    conn = pool.getconn()',
      '    try:',
      '        cur = conn.cursor()',
      '        cur.execute("SELECT count(*) FROM users")',
      '        return cur.fetchone()[0]',
      '    finally:',
      '        pool.putconn(conn)',
    ),
  },
  {
    name: 'with pool.getconn(): the with keeps the transaction, try/finally gives the connection back',
    language: 'python',
    input: lines(
      'def count(pool):',
      '    with pool.getconn() as conn:',
      '        with conn.cursor() as cur:',
      '            cur.execute("SELECT 1")',
      '            return cur.fetchone()',
    ),
    findings: ['2 with-does-not-release'],
    output: lines(
      'def count(pool):',
      '    conn = pool.getconn()',
      '    try:',
      '        with conn:',
      '            with conn.cursor() as cur:',
      '                cur.execute("SELECT 1")',
      '                return cur.fetchone()',
      '    finally:',
      '        pool.putconn(conn)',
    ),
  },
  {
    name: 'asyncpg: the release is awaited in finally',
    language: 'python',
    input: lines(
      'async def one(pool):',
      '    conn = await pool.acquire()',
      '    value = await conn.fetchval("SELECT 1")',
      '    await pool.release(conn)',
      '    return value',
    ),
    findings: ['2 release-not-guaranteed'],
    output: lines(
      'async def one(pool):',
      '    conn = await pool.acquire()',
      '    try:',
      '        value = await conn.fetchval("SELECT 1")',
      '        return value',
      '    finally:',
      '        await pool.release(conn)',
    ),
  },
];

describe('fix snapshots', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const findings = await analyzeText(c.input, c.language);
      assert.deepEqual(findings.map((f) => `${f.range.startLine + 1} ${f.rule}`), c.findings);
      const fixed = await fixText(c.input, c.language);
      assert.equal(fixed.text, c.output);
      assert.deepEqual(await analyzeText(fixed.text, c.language), []);
    });
  }
});
