// Runs JS/TS fixture functions for real against PostgreSQL with a real `pg` Pool, normally and under
// injected faults, and reports how many clients each run left checked out. A child process of the
// oracle test, so a fixture's unhandled rejection or double-release exception cannot disturb mocha.
//
//   node out/test/oracle/jsRunner.js FIXTURE CONNECTION_STRING NAMES_JSON  -> JSON FunctionReport[] on stdout
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as pg from 'pg';
import * as ts from 'typescript';
import { describeFault, scenarios, type Fault, type FunctionReport, type RunResult } from './faults';

type Fixture = (pool: pg.Pool, callback: (err?: unknown, value?: unknown) => void) => unknown;

let fault: Fault = { kind: 'none' };
let operations = 0;
let connects = 0;
let stray: string[] = [];

/** Every `query` of every pg client goes through here: count it, fail it or empty its result on demand. */
function injectQueryFaults(): void {
  const realQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    operations++;
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as (err: unknown, res?: unknown) => void) : undefined;
    const fails = (fault.kind === 'fail-at' && operations === fault.k) || (fault.kind === 'fail-from' && operations >= fault.k);
    let result: Promise<pg.QueryResult>;
    if (fails) result = Promise.reject(new Error(`injected fault: query ${operations} failed`));
    else {
      result = (realQuery.apply(this, args) as Promise<pg.QueryResult>).then((res) =>
        fault.kind === 'empty' ? { ...res, rows: [], rowCount: 0 } : res,
      );
    }
    if (!callback) return result;
    result.then(
      (res) => callback(null, res),
      (err: unknown) => callback(err),
    );
    return undefined;
  };
}

function injectConnectFaults(pool: pg.Pool): void {
  const realConnect = pool.connect.bind(pool) as (cb?: unknown) => unknown;
  (pool as unknown as { connect: (cb?: unknown) => unknown }).connect = (cb?: unknown) => {
    connects++;
    if (fault.kind === 'connect-fail-at' && connects === fault.k) {
      const err = new Error(`injected fault: connect ${connects} failed`);
      if (typeof cb === 'function') {
        process.nextTick(() => (cb as (e: unknown, c?: unknown, d?: () => void) => void)(err, undefined, () => undefined));
        return undefined;
      }
      return Promise.reject(err);
    }
    return realConnect(cb);
  };
}

const TOP_LEVEL_FUNCTION = /^(?:export\s+)?(?:async\s+)?function\*?\s+([A-Za-z_$][\w$]*)/gm;

function loadFixture(file: string): Record<string, unknown> {
  let source = fs.readFileSync(file, 'utf8');
  const names = [...source.matchAll(TOP_LEVEL_FUNCTION)].map((m) => m[1] as string);
  if (file.endsWith('.ts')) {
    source = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: file }).outputText;
  }
  source += `\nmodule.exports = Object.assign(module.exports, { ${names.join(', ')} });\n`;
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  (mod as unknown as { _compile(code: string, filename: string): void })._compile(source, file);
  return mod.exports as Record<string, unknown>;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 2000) ?? String(value);
  } catch {
    return String(value);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function checkedOut(pool: pg.Pool): number {
  return pool.totalCount - pool.idleCount;
}

async function runOnce(fixture: Fixture, releaseKept: Fixture | undefined, connectionString: string, scenario: Fault): Promise<RunResult> {
  fault = { kind: 'none' };
  const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  const clients: pg.PoolClient[] = [];
  pool.on('connect', (client) => clients.push(client));
  injectConnectFaults(pool);
  operations = 0;
  connects = 0;
  stray = [];
  fault = scenario;
  let error: string | undefined;
  let handedOver = 0;
  let callbackCalled = false;
  let returned: unknown;
  try {
    const value = fixture(pool, (_err?: unknown, result?: unknown) => {
      callbackCalled = true;
      returned = result;
    });
    let settled: unknown = value;
    if (value && typeof (value as Promise<unknown>).then === 'function') {
      settled = await Promise.race([value, sleep(5000).then(() => Promise.reject(new Error('timed out')))]);
    } else {
      for (let waited = 0; !callbackCalled && waited < 500; waited += 5) await sleep(5);
    }
    const handle = settled as { release?: () => void } | undefined;
    if (handle && typeof handle.release === 'function') {
      // The function handed its client to us, the caller: giving it back is our job now.
      handle.release();
      handedOver++;
    } else if (settled !== undefined) returned = settled;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  // Module state that took ownership gives its clients back, as its owner would.
  if (releaseKept) releaseKept(pool, () => undefined);
  // Let callbacks and floating promises finish before counting.
  await sleep(5);
  for (let waited = 0; checkedOut(pool) > 0 && waited < 500; waited += 5) await sleep(5);
  const result: RunResult = { fault: describeFault(scenario), checkedOut: checkedOut(pool), operations, connects, handedOver };
  if (returned !== undefined) result.value = safeJson(returned);
  const errors = [error, ...stray].filter((e): e is string => e !== undefined);
  if (errors.length) result.error = errors.join(' | ');
  fault = { kind: 'none' };
  for (const client of clients) {
    try {
      (client as unknown as pg.Client).end().catch(() => undefined);
    } catch {
      // already ended
    }
  }
  return result;
}

async function main(): Promise<void> {
  const [file, connectionString, namesJson] = process.argv.slice(2);
  if (!file || !connectionString || !namesJson) throw new Error('usage: jsRunner FIXTURE CONNECTION_STRING NAMES_JSON');
  process.on('unhandledRejection', (reason) => stray.push(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`));
  process.on('uncaughtException', (err) => stray.push(`uncaught exception: ${err.message}`));
  // Fixtures may log; stdout carries the report alone.
  console.log = (...args: unknown[]) => console.error(...args);
  injectQueryFaults();
  const exported = loadFixture(path.resolve(file));
  const releaseKept = (exported._releaseKept ?? exported._release_kept) as Fixture | undefined;
  const reports: FunctionReport[] = [];
  for (const name of JSON.parse(namesJson) as string[]) {
    const fixture = exported[name] as Fixture | undefined;
    if (typeof fixture !== 'function') throw new Error(`${file}: ${name} is not exported`);
    const normal = await runOnce(fixture, releaseKept, connectionString, { kind: 'none' });
    const runs = [normal];
    for (const scenario of scenarios(normal.operations, normal.connects)) runs.push(await runOnce(fixture, releaseKept, connectionString, scenario));
    reports.push({ name, runs });
  }
  process.stdout.write(JSON.stringify(reports));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
