// The Node drivers beyond node-postgres (issue 19, item 5): which calls acquire, only in files that
// import the library, what the message says, and that the fix leaves nothing to report. The fixture
// file test/fixtures/analysis/js/drivers.js holds the labelled cases (fixtures.test.ts, fixes.test.ts).
import * as assert from 'node:assert/strict';
import { analyzeText, applyEdits, fixesFor, type Finding, type LanguageId } from '../../../src/analysis/analyzer';
import { parseText } from '../../../src/analysis/treeSitter';

const lines = (list: Finding[]): string[] => list.map((f) => `${f.range.startLine + 1} ${f.rule}`);

/** The first fix of every finding applied; the result must parse and re-analyse with nothing left. */
async function fixedClean(text: string, language: LanguageId = 'javascript'): Promise<string> {
  const found = (await analyzeText(text, language)).filter((f) => f.fixable);
  assert.ok(found.length > 0, 'nothing fixable');
  const fixes = await fixesFor(text, language, found, { tidy: true });
  const fixed = applyEdits(
    text,
    fixes.flatMap((list) => list[0]?.edits ?? []),
  );
  const tree = await parseText(fixed, language);
  assert.ok(tree && !tree.rootNode.hasError, `the fixed text does not parse:\n${fixed}`);
  tree?.delete();
  assert.deepEqual(lines(await analyzeText(fixed, language)), [], `findings left after the fix:\n${fixed}`);
  return fixed;
}

describe('Node drivers beyond node-postgres', () => {
  describe('pg-promise', () => {
    const body = `async function load(id) {
  const sco = await db.connect();
  const user = await sco.one('SELECT * FROM users WHERE id = $1', [id]);
  sco.done();
  return user;
}`;
    const withImport = `const pgp = require('pg-promise')();\nconst db = pgp(process.env.DATABASE_URL);\n${body}`;

    it('db.connect() holds a shared connection until sco.done(): a throw before it is named', async () => {
      const found = await analyzeText(withImport, 'javascript');
      assert.deepEqual(lines(found), ['4 release-not-guaranteed']);
      assert.match(found[0]?.message ?? '', /`sco` from `db\.connect\(\)` on line 4 is not released on every path: a throw from `sco\.one` on line 5 skips the release on line 6/);
    });

    it('counts only in a file that imports pg-promise, and only on the database object', async () => {
      assert.deepEqual(lines(await analyzeText(body, 'javascript')), []);
      const other = `import pgPromise from 'pg-promise';\nasync function f(redis) {\n  await redis.connect();\n  const runner = await session.connect();\n}`;
      assert.deepEqual(lines(await analyzeText(other, 'typescript')), []);
    });

    it('never released names sco.done(); db.task and db.tx are silent', async () => {
      const text = `const pgp = require('pg-promise')();
const db = pgp('postgres://x');
async function a() {
  const sco = await db.connect({ direct: true });
  return sco.any('SELECT 1');
}
async function b() {
  return db.task((t) => t.any('SELECT 1'));
}
async function c() {
  return db.tx(async (t) => { await t.none('SELECT 1'); });
}`;
      const found = await analyzeText(text, 'javascript');
      assert.deepEqual(lines(found), ['4 unreleased-client']);
      assert.match(found[0]?.message ?? '', /no path calls `sco\.done\(\)`/);
    });

    it('the fix wraps the rest in try/finally with sco.done() in finally', async () => {
      const fixed = await fixedClean(withImport);
      assert.match(fixed, /try \{\n {4}const user = await sco\.one\([^\n]*\n {4}return user;\n {2}\} finally \{\n {4}sco\.done\(\);\n {2}\}/);
    });
  });

  describe('TypeORM', () => {
    const body = `async function transfer(dataSource) {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  await queryRunner.startTransaction();
  await queryRunner.query('UPDATE accounts SET balance = balance - 1');
  await queryRunner.commitTransaction();
  await queryRunner.release();
}`;
    const withImport = `import { DataSource } from 'typeorm';\n${body}`;

    it('createQueryRunner() holds a connection until release(); the message names the query that may throw before it', async () => {
      const found = await analyzeText(withImport, 'typescript');
      assert.deepEqual(lines(found), ['3 release-not-guaranteed']);
      assert.match(found[0]?.message ?? '', /`queryRunner` from `dataSource\.createQueryRunner\(\)` on line 3 is not released on every path: a throw from `queryRunner\.query` on line 6 skips the release on line 8/);
    });

    it('counts only in a file that imports typeorm', async () => {
      assert.deepEqual(lines(await analyzeText(body, 'typescript')), []);
    });

    it('manager.connection.createQueryRunner() too; dataSource.transaction(cb) and a release in finally are silent', async () => {
      const text = `import { DataSource } from 'typeorm';
export async function a(manager) {
  const qr = manager.connection.createQueryRunner();
  await qr.connect();
  return qr.query('SELECT 1');
}
export async function b(dataSource) {
  return dataSource.transaction(async (m) => m.query('SELECT 1'));
}
export async function c(dataSource) {
  const qr = dataSource.createQueryRunner();
  try {
    await qr.connect();
    return await qr.query('SELECT 1');
  } finally {
    await qr.release();
  }
}`;
      const found = await analyzeText(text, 'typescript');
      assert.deepEqual(lines(found), ['3 unreleased-client']);
      assert.match(found[0]?.message ?? '', /no path calls `qr\.release\(\)`/);
    });

    it('the fix puts `await queryRunner.release()` in a finally around connect() and the rest', async () => {
      const fixed = await fixedClean(withImport, 'typescript');
      assert.match(fixed, /createQueryRunner\(\);\n {2}try \{\n {4}await queryRunner\.connect\(\);[\s\S]*\} finally \{\n {4}await queryRunner\.release\(\);\n {2}\}\n\}$/);
    });
  });

  describe('@neondatabase/serverless', () => {
    it("its Pool is node-postgres' Pool: pool.connect() until client.release()", async () => {
      const text = `import { Pool } from '@neondatabase/serverless';
const pool = new Pool({ connectionString: process.env.DATABASE_URL });
export async function count() {
  const client = await pool.connect();
  const { rows } = await client.query('SELECT count(*) FROM users');
  client.release();
  return rows[0].count;
}`;
      const found = await analyzeText(text, 'typescript');
      assert.deepEqual(lines(found), ['4 release-not-guaranteed']);
      await fixedClean(text, 'typescript');
    });
  });

  describe('knex and Sequelize unmanaged transactions', () => {
    it("a transaction chained into a handler is managed: Kysely's db.transaction().execute(cb) in a file that imports knex (pg-boss' adapter tests)", async () => {
      const text = `import knex from 'knex';
import { Kysely } from 'kysely';
export async function viaKysely(db: Kysely<any>) {
  return db.transaction().execute(async (trx) => trx.selectFrom('job').selectAll().execute());
}
export async function unmanaged(k: any) {
  const trx = await k.transaction();
  await trx('job').insert({ name: 'a' });
  await trx.commit();
}
`;
      assert.deepEqual(lines(await analyzeText(text, 'typescript')), ['7 release-not-guaranteed'], 'only the transaction kept in a variable');
    });

    it('knex.transaction() without a handler must reach trx.commit() or trx.rollback() on every path; no fix is offered', async () => {
      const text = `const knex = require('knex')({ client: 'pg' });
async function a(id) {
  const trx = await knex.transaction();
  const row = await trx('accounts').where({ id }).first();
  if (!row) return null;
  await trx.commit();
  return row;
}
async function b(id) {
  const trx = await knex.transaction();
  try {
    await trx('accounts').where({ id }).del();
    await trx.commit();
  } catch (error) {
    await trx.rollback();
    throw error;
  }
}
async function c(id) {
  return knex.transaction(async (trx) => trx('accounts').where({ id }).del());
}
async function d() {
  const trx = await knex.transaction();
  return trx('accounts').select();
}`;
      const found = await analyzeText(text, 'javascript');
      assert.deepEqual(lines(found), ['3 release-not-guaranteed', '23 unreleased-client']);
      assert.match(found[0]?.message ?? '', /`trx` from `knex\.transaction\(\)` on line 3 is not released on every path: the `return` on line 5 skips the release on line 6/);
      assert.match(found[1]?.message ?? '', /no path calls `trx\.commit\(\)` or `trx\.rollback\(\)`/);
      assert.ok(found.every((f) => !f.fixable));
    });

    it('sequelize.transaction(): `{ transaction: t }` passed to a query lends it; a callback is the managed form', async () => {
      const text = `const { Sequelize } = require('sequelize');
const sequelize = new Sequelize('postgres://x');
async function a(User, name) {
  const t = await sequelize.transaction();
  await User.create({ name }, { transaction: t });
  await t.commit();
}
async function b(User, name) {
  return sequelize.transaction(async (t) => User.create({ name }, { transaction: t }));
}
async function c(User, name) {
  const transaction = await sequelize.transaction();
  try {
    await User.create({ name }, { transaction });
    await transaction.commit();
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}`;
      const found = await analyzeText(text, 'javascript');
      assert.deepEqual(lines(found), ['4 release-not-guaranteed']);
      assert.match(found[0]?.message ?? '', /a throw from `User\.create` on line 5 skips the release on line 6/);
    });

    it('a transaction returned inside an object is handed over; transaction() counts only where knex or sequelize is imported', async () => {
      const handedOver = `const knex = require('knex')({ client: 'pg' });
async function begin() {
  const trx = await knex.transaction();
  return { transaction: trx };
}`;
      assert.deepEqual(lines(await analyzeText(handedOver, 'javascript')), []);
      const noImport = `async function a(db) {
  const trx = await db.transaction();
  await trx.query('SELECT 1');
}`;
      assert.deepEqual(lines(await analyzeText(noImport, 'javascript')), []);
    });
  });
});
