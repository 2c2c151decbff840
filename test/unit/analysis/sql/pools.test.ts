// The pools a workspace constructs and how many connections each may open per process, read from the
// analyser's parse with the drivers' own defaults.
import * as assert from 'node:assert/strict';
import { analyzeWorkspace } from '../../../../src/analysis/analyzer';

const JS = `const { Pool } = require('pg');
export const api = new Pool({ max: 20, application_name: 'orders-api', database: 'shop' });
export const jobs = new Pool({ connectionString: 'postgresql://jobs@127.0.0.1:5432/shop?application_name=invoice-job' });
`;
const MYSQL = `const mysql = require('mysql2');
const pool = new mysql.Pool({ connectionLimit: 50 });
`;
const PY = `import psycopg2.pool
import asyncpg
from psycopg_pool import ConnectionPool
from sqlalchemy import create_engine

legacy = psycopg2.pool.ThreadedConnectionPool(2, 15, dsn="dbname=shop application_name=billing")
modern = ConnectionPool("postgresql://app@localhost/shop", min_size=2, max_size=8)
default_sized = ConnectionPool("dbname=reports")
engine = create_engine("postgresql+psycopg2://app@localhost/shop", pool_size=10, connect_args={"application_name": "reports"})
sqlite = create_engine("sqlite:///local.db")

async def start():
    return await asyncpg.create_pool(dsn="postgresql://app@localhost/analytics")
`;

describe('the pools a workspace constructs', () => {
  it('reads node-postgres, psycopg2, psycopg_pool, asyncpg and SQLAlchemy pools with their sizes, names and databases', async () => {
    const results = await analyzeWorkspace(
      [
        { path: 'src/db.js', text: JS, language: 'javascript' },
        { path: 'src/mysql.js', text: MYSQL, language: 'javascript' },
        { path: 'app/db.py', text: PY, language: 'python' },
      ],
      { sqlSites: true },
    );
    const pools = results.flatMap((r) => (r.pools ?? []).map((p) => `${r.path}:${p.range.startLine + 1} ${p.kind} ${p.max} (${p.how}) ${p.applicationName ?? '-'} ${p.database ?? '-'}`));
    assert.deepEqual(pools, [
      'src/db.js:2 node-postgres 20 (max 20) orders-api shop',
      'src/db.js:3 node-postgres 10 (max 10 (default)) invoice-job shop',
      'app/db.py:6 psycopg2 15 (maxconn 15) billing shop',
      'app/db.py:7 psycopg_pool 8 (max_size 8) - shop',
      'app/db.py:8 psycopg_pool 4 (max_size = min_size 4 (default)) - reports',
      'app/db.py:9 sqlalchemy 20 (pool_size 10 + max_overflow 10 (default)) reports shop',
      'app/db.py:13 asyncpg 10 (max_size 10 (default)) - analytics',
    ]);
  });
});
