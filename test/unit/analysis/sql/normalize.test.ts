// SQL text reduced the way pg_stat_statements groups it, on both sides of a match: what a session
// last sent (as the drivers send it) and what the source says.
import * as assert from 'node:assert/strict';
import { looksLikeSql, normalizeSql, PARAM, WILDCARD } from '../../../../src/analysis/sql/normalize';

const key = (sql: string): string => normalizeSql(sql).key;

describe('normalizeSql', () => {
  it('reads every driver placeholder and every constant as one placeholder', () => {
    const expected = key('select id from orders where customer_id = $1 and state = $2');
    for (const sql of [
      'SELECT id FROM orders WHERE customer_id = $1 AND state = $2', // node-postgres, asyncpg
      'SELECT id FROM orders WHERE customer_id = %s AND state = %s', // psycopg2 in the source
      "SELECT id FROM orders WHERE customer_id = 42 AND state = 'open'", // psycopg2 as the server sees it
      'SELECT id FROM orders WHERE customer_id = %(customer)s AND state = %(state)s',
      'SELECT id FROM orders WHERE customer_id = :customer AND state = :state', // SQLAlchemy text()
      'select  id\n  from orders\n where customer_id = ? and state = ?;',
      "SELECT id FROM orders -- open ones\nWHERE customer_id = 1.5e3 AND state = E'o\\'pen' /* c /* nested */ */",
      'SELECT id FROM orders WHERE customer_id = $$x$$ AND state = $tag$y$tag$',
    ]) {
      assert.equal(key(sql), expected, sql);
    }
  });

  it('keeps casts of columns, quoted identifiers and operators apart from placeholders', () => {
    assert.equal(key('SELECT a::int, "Order"."Id" FROM "Order" WHERE a <> 2'), `select a :: int , "Order" . "Id" from "Order" where a <> ${PARAM}`);
    assert.notEqual(key('SELECT a FROM t WHERE b = 1'), key('SELECT a FROM t WHERE b > 1'));
    assert.equal(key('SELECT a - 1 AS x, $1 -1 AS y, (a) -1 FROM t'), `select a - ${PARAM} as x , ${PARAM} - ${PARAM} as y , ( a ) - ${PARAM} from t`, 'a minus after an operand is subtraction');
  });

  it('reads the constants psycopg2 splices in as the placeholder the source has', () => {
    const same = (source: string, sent: string): void => assert.equal(key(sent), key(source), sent);
    // a date, a datetime, a timedelta, bytes, NaN: a string constant with a cast
    same('SELECT id FROM t WHERE created_at > %s', "SELECT id FROM t WHERE created_at > '2026-01-01'::date");
    same('SELECT id FROM t WHERE at > %s AND at < %s', "SELECT id FROM t WHERE at > '2026-12-03T10:00:00'::timestamp AND at < '2026-12-03T10:00:00+00:00'::timestamptz");
    same('DELETE FROM t WHERE at < now() - %s', "DELETE FROM t WHERE at < now() - '1 days 0.000000 seconds'::interval");
    same('UPDATE t SET data = %s, x = %s', "UPDATE t SET data = '\\x6162'::bytea, x = 'NaN'::float");
    // a cast the source writes on its parameter reads the same as the value's own
    same('SELECT id FROM t WHERE day = %s::date', "SELECT id FROM t WHERE day = '2026-01-01'::date::date");
    same('SELECT id FROM t WHERE id = ANY($1::int[])', "SELECT id FROM t WHERE id = ANY('{1,2}'::int[])");
    // a negative number (sent as ` -20`), a bool, None
    same('INSERT INTO t (a, b, c, d) VALUES (%s, %s, %s, %s) RETURNING id', 'INSERT INTO t (a, b, c, d) VALUES (5,  -20, true, NULL) RETURNING id');
    same('UPDATE t SET a = %(a)s WHERE b = %(b)s', 'UPDATE t SET a = -1.5 WHERE b = false');
    // a list, sent as ARRAY[…]
    same('SELECT id FROM t WHERE customer_id = ANY(%s)', 'SELECT id FROM t WHERE customer_id = ANY(ARRAY[1,2,4])');
    same('SELECT id FROM t WHERE customer_id = ANY(%s)', "SELECT id FROM t WHERE customer_id = ANY('{}')");
    // %% is how the source writes the % operator
    same('SELECT id FROM t WHERE id %% %s = %s', 'SELECT id FROM t WHERE id % 4 = 1');
    assert.notEqual(key('SELECT id FROM t WHERE a IS NULL'), key('SELECT id FROM t WHERE a IS %s'), 'IS NULL is not a constant');
    assert.notEqual(key('SELECT id FROM t WHERE a IS NOT NULL'), key('SELECT id FROM t WHERE a IS NOT %s'));
  });

  it('reads a list of values of any length as one, as psycopg2 spells out a tuple', () => {
    assert.equal(key('SELECT * FROM t WHERE id IN %s'), key('SELECT * FROM t WHERE id IN (1, 2, 3)'));
    assert.equal(key('INSERT INTO t (a, b) VALUES (%s, %s)'), key('INSERT INTO t (a, b) VALUES (1, 2), (3, 4)'));
    assert.equal(key('SELECT * FROM t WHERE id = ANY($1)'), key("SELECT * FROM t WHERE id = ANY('{1,2}')"));
    assert.notEqual(key('SELECT count(*) FROM t'), key('SELECT count FROM t'), 'a call keeps its parentheses');
  });

  it('keeps the program-filled parts as one wildcard token', () => {
    assert.deepEqual(normalizeSql(`SELECT * FROM ${WILDCARD} WHERE id = $1`).tokens, ['select', '*', 'from', WILDCARD, 'where', 'id', '=', PARAM]);
  });

  it('tells a statement from a sentence that starts with one of its words', () => {
    const statement = (sql: string): boolean => looksLikeSql(normalizeSql(sql).tokens);
    for (const sql of ['SELECT 1', 'SELECT now()', 'select * from t', 'INSERT INTO t VALUES ($1)', 'UPDATE public.t SET a = 1', 'DELETE FROM t', 'WITH x AS (SELECT 1) SELECT * FROM x', 'CREATE TABLE t (a int)', 'TRUNCATE t']) {
      assert.ok(statement(sql), sql);
    }
    for (const sql of ['Select a database', 'update the cache', 'delete this row?', 'with care', 'create a connection', 'Begin the import']) {
      assert.ok(!statement(sql), sql);
    }
  });
});
