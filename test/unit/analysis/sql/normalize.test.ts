// SQL text reduced the way pg_stat_statements groups it, on both sides of a match: what a session
// last sent (as the drivers send it) and what the source says.
import * as assert from 'node:assert/strict';
import { normalizeSql, PARAM, WILDCARD } from '../../../../src/analysis/sql/normalize';

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

  it('keeps casts, quoted identifiers and operators apart from placeholders', () => {
    assert.equal(key('SELECT $1::int, "Order"."Id" FROM "Order" WHERE a <> 2'), `select ${PARAM} :: int , "Order" . "Id" from "Order" where a <> ${PARAM}`);
    assert.notEqual(key('SELECT a FROM t WHERE b = 1'), key('SELECT a FROM t WHERE b > 1'));
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
});
