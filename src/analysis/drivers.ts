// Which pools of a file belong to another database's driver. The catalogue matches acquires by name
// (`pool.connect()`, `pool.acquire()`, `sql.reserve()`), and other drivers use the same names:
// mssql's `new ConnectionPool(config).connect()` returns the pool itself, aiomysql's
// `pool.acquire()`, redis' `ConnectionPool`. What a file imports decides:
// - a name bound to a module of another driver (`const sql = require('mssql')`,
//   `from redis import ConnectionPool`), and a variable or field initialised from one
//   (`const pool = new sql.ConnectionPool(…)`, `self.pool = aiomysql.create_pool(…)`), is foreign:
//   acquires on it are not PostgreSQL's;
// - a file that imports another driver and no PostgreSQL driver is foreign as a whole;
// - a name that also holds a single `new Client(…)` in the file is not taken for a pool;
// - anything else counts as PostgreSQL's, as before: a receiver whose origin the file does not show
//   (a parameter, an import from the application's own modules) is assumed to be a PostgreSQL pool
//   when its name says pool, because the analyser runs on workspaces that use PostgreSQL.
// Only the built-in catalogue is filtered: APIs named in settings and helpers learned from the
// workspace stand. The names travel in the file model's poolNames, prefixed with FOREIGN.
import { goImportSpecs, goTypeFacts } from './apis/goTypes';
import type { LanguageCatalogue } from './catalogue';
import { CSHARP } from './apis/csharp';
import { JAVA } from './apis/java';
import type { LanguageFamily } from './languages';

export const FOREIGN = '!';
/** In poolNames, before a name: a function of the file that cannot throw (lowering/quiet.ts). */
export const QUIET = '~';
/**
 * In poolNames: the file imports generic-pool or tarn together with a PostgreSQL driver, so its
 * `pool.acquire()` may hand out a PostgreSQL client. Elsewhere `acquire()` in JavaScript belongs to a
 * pool of something else (Slonik's, Sequelize's, knex's own pools, a test's mock).
 */
export const GENERIC_POOL_OF_POSTGRES = '+generic-pool';
/**
 * In poolNames, before a module name: the file imports that library (`+imports:pg-promise`). Its
 * acquire APIs count only there: pg-promise's `db.connect()`, TypeORM's `createQueryRunner()`, knex's
 * and Sequelize's unmanaged `transaction()` are names other libraries have too.
 */
export const IMPORTS = '+imports:';
const JS_MARKED = /^(pg-promise|typeorm|knex|sequelize|@sequelize\/core)(?:\/.*)?$/;
/** In poolNames: the file imports another database driver and no PostgreSQL driver. */
export const FOREIGN_FILE = `${FOREIGN}*`;
/** In a file's poolNames: `${INSTANCE}db` when the file binds `db` to `new SomeClass(…)` (not a pool constructor). */
export const INSTANCE = '@new:';

const JS_POSTGRES = /^(pg|pg-pool|pg-native|pg-promise|postgres|slonik|@neondatabase\/serverless|@vercel\/postgres|@databases\/pg|@electric-sql\/pglite|pg-cursor|pg-query-stream)(\/.*)?$/;
const JS_FOREIGN =
  /^(mssql|tedious|mysql|mysql2|mariadb|oracledb|mongodb|mongoose|redis|ioredis|@redis\/client|sqlite3|better-sqlite3|sqlite|ibm_db|odbc|snowflake-sdk|cassandra-driver|neo4j-driver|couchbase|@clickhouse\/client|amqplib|amqp-connection-manager|ldapjs|generic-pool-mysql|@google-cloud\/spanner|@planetscale\/database|@libsql\/client)(\/.*)?$/;
const JS_GENERIC_POOL = /^(generic-pool|tarn)$/;
const PY_POSTGRES = /^(psycopg2|psycopg|psycopg_pool|asyncpg|aiopg|pg8000|sqlalchemy)(\..*)?$/;
const PY_FOREIGN =
  /^(pymysql|MySQLdb|mysql|aiomysql|asyncmy|mariadb|pyodbc|pymssql|cx_Oracle|oracledb|redis|aioredis|sqlite3|aiosqlite|pymongo|motor|ibm_db|snowflake|clickhouse_driver|cassandra|neo4j|pika|kombu|happybase|elasticsearch)(\..*)?$/;
// SQLAlchemy engines speak to many databases: one created from a literal URL of another is foreign.
const PY_FOREIGN_ENGINE = /(?:self\.)?(\w+)\s*(?::[^=\n]+)?=\s*(?:sqlalchemy\.)?create_(?:async_)?engine\(\s*[fr]?['"](?:mysql|mariadb|sqlite|mssql|oracle|snowflake|clickhouse)/g;

interface Imports {
  postgres: boolean;
  /** generic-pool or tarn (JavaScript). */
  genericPool: boolean;
  foreign: boolean;
  /** Libraries of JS_MARKED the file imports (their acquire APIs count only in such a file). */
  marked: Set<string>;
  /** Names bound to another driver's module or its members. */
  bindings: Set<string>;
}

function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim().split(/\s+as\s+|\s*:\s*/).pop() ?? '')
    .map((name) => name.replace(/[^\w$]/g, ''))
    .filter((name) => name !== '' && name !== 'type');
}

function jsImports(text: string): Imports {
  const out: Imports = { postgres: false, genericPool: false, foreign: false, marked: new Set(), bindings: new Set() };
  const note = (module: string, names: string[]): void => {
    const marked = JS_MARKED.exec(module)?.[1];
    if (marked !== undefined) out.marked.add(marked === '@sequelize/core' ? 'sequelize' : marked);
    if (JS_POSTGRES.test(module)) out.postgres = true;
    else if (JS_GENERIC_POOL.test(module)) out.genericPool = true;
    else if (JS_FOREIGN.test(module)) {
      out.foreign = true;
      for (const name of names) out.bindings.add(name);
    }
  };
  for (const m of text.matchAll(/\bimport\s+(?:type\s+)?([\w$]+)?\s*,?\s*(?:\*\s+as\s+([\w$]+))?\s*(?:\{([^}]*)\})?\s*from\s*['"]([^'"]+)['"]/g)) {
    note(m[4] ?? '', [m[1] ?? '', m[2] ?? '', ...splitNames(m[3] ?? '')].filter((n) => n !== ''));
  }
  for (const m of text.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) note(m[1] ?? '', []);
  for (const m of text.matchAll(/(?:(?:const|let|var)\s+(?:([\w$]+)|\{([^}]*)\})\s*=\s*)?(?:await\s+)?(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    note(m[3] ?? '', [m[1] ?? '', ...splitNames(m[2] ?? '')].filter((n) => n !== ''));
  }
  return out;
}

function pyImports(text: string): Imports {
  const out: Imports = { postgres: false, genericPool: false, foreign: false, marked: new Set(), bindings: new Set() };
  for (const m of text.matchAll(/^[ \t]*import[ \t]+([^\n#]+)/gm)) {
    for (const part of (m[1] ?? '').split(',')) {
      const [module = '', alias] = part.trim().split(/\s+as\s+/);
      if (PY_POSTGRES.test(module)) out.postgres = true;
      else if (PY_FOREIGN.test(module)) {
        out.foreign = true;
        out.bindings.add(alias ?? module.split('.')[0] ?? module);
      }
    }
  }
  for (const m of text.matchAll(/^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([^)\n#]+)/gm)) {
    const module = m[1] ?? '';
    if (PY_POSTGRES.test(module)) out.postgres = true;
    else if (PY_FOREIGN.test(module)) {
      out.foreign = true;
      for (const name of splitNames(m[2] ?? '')) out.bindings.add(name);
    }
  }
  return out;
}

function escape(name: string): string {
  return name.replace(/[$]/g, '\\$');
}

// Go: database/sql is every driver's front; the driver a file (or its package) imports says whose
// connections `db.Conn(ctx)` and `db.Query(…)` hold.
const GO_POSTGRES = /^github\.com\/(?:lib\/pq|jackc\/pgx)|^github\.com\/jackc\/pgconn/;
const GO_FOREIGN = /^(?:github\.com\/(?:go-sql-driver\/mysql|mattn\/go-sqlite3|denisenkom\/go-mssqldb|microsoft\/go-mssqldb|sijms\/go-ora|godror\/godror|ClickHouse\/clickhouse-go|snowflakedb\/gosnowflake|go-redis\/redis|redis\/go-redis|mutecomm\/go-sqlcipher)|modernc\.org\/(?:sqlite|ql)|go\.mongodb\.org)/;
// `sql.Open("clickhouse", dsn)`: the driver a file opens by name, when it imports none (registered elsewhere).
const GO_OPEN = /\b(?:sql|sqlx)\.(?:Open|Connect|MustConnect)\(\s*"([\w/.-]+)"/g;
const GO_POSTGRES_DRIVER = /^(?:postgres|postgresql|pgx|pgx\/v[45]|cloudsqlpostgres|nrpostgres)$/;

function goImports(text: string): Imports {
  const out: Imports = { postgres: false, genericPool: false, foreign: false, marked: new Set(), bindings: new Set() };
  if (!text.includes('import')) return out;
  for (const { path } of goImportSpecs(text)) {
    if (GO_POSTGRES.test(path)) out.postgres = true;
    else if (GO_FOREIGN.test(path)) out.foreign = true;
  }
  for (const m of text.matchAll(GO_OPEN)) {
    if (GO_POSTGRES_DRIVER.test(m[1] ?? '')) out.postgres = true;
    else out.foreign = true;
  }
  return out;
}

/** A language whose catalogue reads only which database a file's imports name (apis/). */
function importsBy(read: LanguageCatalogue['imports']): (text: string) => Imports {
  return (text) => ({ postgres: false, genericPool: false, foreign: false, marked: new Set(), bindings: new Set(), ...read?.(text) });
}

/** What a file's imports say, per language. */
const IMPORTS_OF: Record<LanguageFamily, (text: string) => Imports> = { js: jsImports, py: pyImports, go: goImports, java: importsBy(JAVA.imports), cs: importsBy(CSHARP.imports) };

/** The FOREIGN-prefixed names and markers to add to a file's poolNames (empty for most files: cheap). */
export function foreignPoolNames(text: string, family: LanguageFamily): string[] {
  const imports = IMPORTS_OF[family](text);
  const names = new Set<string>(imports.bindings);
  if (family === 'py' && text.includes('create_')) for (const m of text.matchAll(PY_FOREIGN_ENGINE)) if (m[1]) names.add(m[1]);
  if (imports.bindings.size > 0) {
    // Variables and fields initialised from a foreign binding: `pool = new sql.ConnectionPool(…)`.
    const alternatives = [...imports.bindings].map(escape).join('|');
    const assigned =
      family !== 'py'
        ? new RegExp(`(?:\\bthis\\.|\\b)([\\w$]+)\\s*(?::[^=;\\n]+)?=\\s*(?:await\\s+)?(?:new\\s+)?(?:${alternatives})\\b`, 'g')
        : new RegExp(`(?:\\bself\\.|\\b)(\\w+)\\s*(?::[^=\\n]+)?=\\s*(?:await\\s+)?(?:${alternatives})\\b`, 'g');
    for (const m of text.matchAll(assigned)) if (m[1]) names.add(m[1]);
  }
  if (family === 'js') {
    for (const m of text.matchAll(/(?:\bthis\.|\b)([\w$]+)\s*=\s*new\s+[\w$.]*\bConnectionPool\s*\(/g)) if (m[1]) names.add(m[1]);
    // A name that also holds a single `new Client(…)` somewhere in the file (pool names are per file,
    // not per scope): its `connect()` may open that client rather than take one from a pool.
    for (const m of text.matchAll(/(?:\bthis\.|\b)([\w$]+)\s*(?::[^=;\n]+)?=\s*(?:await\s+)?new\s+[\w$.]*\bClient\s*[(<]/g)) if (m[1]) names.add(m[1]);
  }
  const out = [...names].map((n) => `${FOREIGN}${n}`);
  if ((imports.foreign || declaresTestDouble(text, family)) && !imports.postgres) out.push(FOREIGN_FILE);
  if (imports.genericPool && imports.postgres) out.push(GENERIC_POOL_OF_POSTGRES);
  for (const module of imports.marked) out.push(`${IMPORTS}${module}`);
  return out.sort();
}

// A test double of a pool declared in the file: a class named Fake…/Mock…/Stub…/Dummy… with an
// acquire method of its own (`def getconn`, `connect() {`). Read line by line: no regular expression
// that can backtrack over a long class body.
const DOUBLE_CLASS = /^([ \t]*)class[ \t]+(?:Fake|Mock|Stub|Dummy)\w*/;
const PY_DOUBLE_METHOD = /^[ \t]+(?:async[ \t]+)?def[ \t]+(?:getconn|connect|acquire|get_connection)\b/;
const JS_DOUBLE_METHOD = /^[ \t]*(?:async[ \t]+)?(?:connect|acquire|getConnection)[ \t]*\(/;

/**
 * A file that declares its own fake pool (and imports no PostgreSQL driver) is a test of code that
 * takes any pool: what it acquires is the double's object, not a PostgreSQL connection.
 */
function declaresTestDouble(text: string, family: LanguageFamily): boolean {
  if (!/\bclass[ \t]+(?:Fake|Mock|Stub|Dummy)/.test(text)) return false;
  if (family !== 'py' && family !== 'js') return false;
  const method = family === 'py' ? PY_DOUBLE_METHOD : JS_DOUBLE_METHOD;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = DOUBLE_CLASS.exec(lines[i] as string);
    if (!header) continue;
    const indent = (header[1] as string).length;
    // The class's body: the lines indented deeper than its header (blank lines skipped); in
    // JavaScript the closing `}` at the header's indent ends it the same way.
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] as string;
      if (line.trim() === '') continue;
      if (line.length - line.trimStart().length <= indent) break;
      if (method.test(line)) return true;
    }
  }
  return false;
}

/** The receiver's root name: `new sql.ConnectionPool(c)` → sql, `this.pool` → pool, `(await x).y` → x. */
export function receiverRoot(receiver: string): string | undefined {
  const stripped = receiver.replace(/^[\s(]*(?:await\s+)?(?:new\s+)?(?:this\.|self\.)?/, '');
  return /^[\w$]+/.exec(stripped)?.[0];
}

/** True when the call's receiver is another driver's pool (see the file's header). */
export function isForeignReceiver(receiver: string | undefined, poolNames: ReadonlySet<string>): boolean {
  if (poolNames.has(FOREIGN_FILE)) return true;
  if (receiver === undefined) return false;
  // node-postgres has no ConnectionPool class; mssql's (however it was loaded) connects the pool itself.
  if (/^\s*\(?\s*new\s+[\w$.]*\bConnectionPool\s*\(/.test(receiver)) return true;
  const root = receiverRoot(receiver);
  return root !== undefined && poolNames.has(`${FOREIGN}${root}`);
}

// What the whole workspace says about its Python database code. Each file states facts of its own
// (fileFacts: which pool library it imports, which database URLs it names); the facts of every file
// together decide (workspaceMarkers):
// - a workspace whose pools are all psycopg2_pool's (github.com/Changaco/psycopg2-pool: it holds the
//   connections it hands out in a WeakSet, so one dropped without `putconn` is closed and forgotten)
//   and never psycopg2.pool's or psycopg_pool's, has no `getconn()` that keeps a connection checked out;
// - a workspace whose SQLAlchemy engines name only another database's URL (`sqlite:///…`) and no
//   PostgreSQL URL or driver has no SQLAlchemy connection of PostgreSQL's.
// The conclusions travel in every file's poolNames as FOREIGN_API + the catalogue's API id.
export const FOREIGN_API = `${FOREIGN}api:`;

// Each pattern runs only on a text that holds its word (`includes` costs next to nothing; a regular
// expression over every Python file of a large workspace does not).
const FACT_PATTERNS: [fact: string, word: string, pattern: RegExp][] = [
  ['psycopg2_pool', 'psycopg2_pool', /^[ \t]*(?:import[ \t]+psycopg2_pool\b|from[ \t]+psycopg2_pool[ \t]+import\b)/m],
  ['psycopg2.pool', 'psycopg2', /^[ \t]*(?:import[ \t]+psycopg2\.pool\b|from[ \t]+psycopg2(?:\.pool)?[ \t]+import[ \t]+[^\n]*\b(?:pool|SimpleConnectionPool|ThreadedConnectionPool|AbstractConnectionPool)\b)|\bpsycopg2\.pool\./m],
  ['psycopg_pool', 'psycopg_pool', /^[ \t]*(?:import[ \t]+psycopg_pool\b|from[ \t]+psycopg_pool[ \t]+import\b)/m],
  ['postgres-driver', 'psycopg', /^[ \t]*(?:import|from)[ \t]+(?:psycopg2|psycopg|psycopg_pool)\b/m],
  ['postgres-driver', 'asyncpg', /^[ \t]*(?:import|from)[ \t]+asyncpg\b/m],
  ['postgres-driver', 'aiopg', /^[ \t]*(?:import|from)[ \t]+aiopg\b/m],
  ['postgres-driver', 'pg8000', /^[ \t]*(?:import|from)[ \t]+pg8000\b/m],
  ['postgres-url', 'postgres', /['"`]postgres(?:ql)?(?:\+\w+)?:\/\//],
  ['other-url', '://', /['"`](?:sqlite|mysql|mariadb|mssql|oracle)(?:\+\w+)?:\/\//],
];

/** The facts `text` states of itself (Python: its pool library and URLs; Go: its types; other files state none). */
export function fileFacts(text: string, family: LanguageFamily): string[] {
  // Go: the types the file declares, their fields and acquire-named methods (apis/goTypes.ts).
  if (family === 'go') return goTypeFacts(text);
  if (family !== 'py') return [];
  const facts = new Set<string>();
  for (const [fact, word, pattern] of FACT_PATTERNS) if (!facts.has(fact) && text.includes(word) && pattern.test(text)) facts.add(fact);
  return [...facts];
}

/** The FOREIGN_API markers the facts of every file together lead to (see above). */
export function workspaceMarkers(facts: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (facts.has('psycopg2_pool') && !facts.has('psycopg2.pool') && !facts.has('psycopg_pool')) out.push(`${FOREIGN_API}psycopg.pool.getconn`);
  if (facts.has('other-url') && !facts.has('postgres-url') && !facts.has('postgres-driver')) {
    out.push(`${FOREIGN_API}sqlalchemy.engine.connect`, `${FOREIGN_API}sqlalchemy.engine.raw_connection`);
  }
  return out;
}
