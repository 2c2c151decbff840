// The pools a file constructs, for the pool budget (issue 18): how many connections each may open
// per process, and which application_name and database it connects with when the code says so.
// Read from the analyser's parse. Defaults are the drivers' own: node-postgres `max` 10, asyncpg
// `max_size` 10, psycopg_pool `max_size` = `min_size` (4), SQLAlchemy `pool_size` 5 + `max_overflow` 10.
import type { SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import { rangeOf } from '../lowering/builder';
import type { SyntaxNode } from '../treeSitter';

export type PoolKind = 'node-postgres' | 'psycopg2' | 'psycopg_pool' | 'asyncpg' | 'sqlalchemy';

export interface PoolSite {
  kind: PoolKind;
  /** The most connections it opens per process. */
  max: number;
  /** The size was not written out: the driver's default. */
  defaulted: boolean;
  /** How the code says it: "max: 20", "maxconn=20", "pool_size 5 + max_overflow 10". */
  how: string;
  applicationName?: string;
  database?: string;
  /** The constructor call. */
  range: SourceRange;
}

const PY_FACTORIES: Record<string, PoolKind> = {
  SimpleConnectionPool: 'psycopg2',
  ThreadedConnectionPool: 'psycopg2',
  ConnectionPool: 'psycopg_pool',
  AsyncConnectionPool: 'psycopg_pool',
  create_pool: 'asyncpg',
  create_engine: 'sqlalchemy',
  create_async_engine: 'sqlalchemy',
};

/** Imports that make `new Pool()` / these factories PostgreSQL's. */
const JS_DRIVER = /(?:require\(\s*|from\s+)["'](?:pg|pg-pool|@neondatabase\/serverless)["']/;
const PY_DRIVER: Record<PoolKind, RegExp> = {
  'node-postgres': /$^/,
  psycopg2: /\bpsycopg2\b/,
  psycopg_pool: /\bpsycopg_pool\b/,
  asyncpg: /\basyncpg\b/,
  sqlalchemy: /\bsqlalchemy\b/,
};

/** Cheap test before a parse: the text names a pool constructor. */
export const MAY_CONSTRUCT_POOL = /\bnew\s+(?:[\w$]+\.)*Pool\s*\(|\b(?:SimpleConnectionPool|ThreadedConnectionPool|ConnectionPool|AsyncConnectionPool|create_pool|create_engine|create_async_engine)\s*\(/;

export function poolSitesOf(root: SyntaxNode, family: LanguageFamily, text: string): PoolSite[] {
  if (family === 'js') return jsPools(root, text);
  return family === 'py' ? pyPools(root, text) : [];
}

function jsPools(root: SyntaxNode, text: string): PoolSite[] {
  if (!JS_DRIVER.test(text)) return [];
  const out: PoolSite[] = [];
  for (const node of root.descendantsOfType('new_expression')) {
    const ctor = node?.childForFieldName('constructor');
    if (!node || !ctor || ctor.text.split('.').pop() !== 'Pool') continue;
    const config = node.childForFieldName('arguments')?.namedChildren.find((c) => c?.type === 'object');
    const props = new Map<string, SyntaxNode>();
    for (const pair of config?.namedChildren ?? []) {
      if (pair?.type !== 'pair') continue;
      const key = pair.childForFieldName('key')?.text.replace(/^["']|["']$/g, '');
      const value = pair.childForFieldName('value');
      if (key && value) props.set(key, value);
    }
    const max = numberOf(props.get('max'));
    const fromUrl = urlParts(stringOf(props.get('connectionString')));
    const applicationName = stringOf(props.get('application_name')) ?? fromUrl.applicationName;
    const database = stringOf(props.get('database')) ?? fromUrl.database;
    out.push({
      kind: 'node-postgres',
      max: max ?? 10,
      defaulted: max === undefined,
      how: max === undefined ? 'max 10 (default)' : `max ${max}`,
      ...(applicationName ? { applicationName } : {}),
      ...(database ? { database } : {}),
      range: rangeOf(node),
    });
  }
  return out;
}

function pyPools(root: SyntaxNode, text: string): PoolSite[] {
  const out: PoolSite[] = [];
  for (const node of root.descendantsOfType('call')) {
    const fn = node?.childForFieldName('function');
    if (!node || !fn) continue;
    const name = fn.text.split('.').pop() ?? '';
    const kind = PY_FACTORIES[name];
    if (!kind || !PY_DRIVER[kind].test(text)) continue;
    const positional: SyntaxNode[] = [];
    const keywords = new Map<string, SyntaxNode>();
    for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment') continue;
      if (arg.type === 'keyword_argument') {
        const key = arg.childForFieldName('name')?.text;
        const value = arg.childForFieldName('value');
        if (key && value) keywords.set(key, value);
      } else positional.push(arg);
    }
    const size = pySize(kind, positional, keywords);
    if (!size) continue;
    // A URL or a DSN: the first positional string, or dsn= / conninfo= / url=.
    const dsn = stringOf(keywords.get('dsn') ?? keywords.get('conninfo') ?? keywords.get('url')) ?? positional.map(stringOf).find((s) => s !== undefined);
    const fromUrl = urlParts(dsn);
    if (kind === 'sqlalchemy' && dsn !== undefined && !/^postgres/i.test(dsn)) continue; // another database's engine
    const applicationName = stringOf(keywords.get('application_name')) ?? fromUrl.applicationName ?? connectArg(keywords, 'application_name');
    const database = stringOf(keywords.get('database') ?? keywords.get('dbname')) ?? fromUrl.database;
    out.push({ kind, ...size, ...(applicationName ? { applicationName } : {}), ...(database ? { database } : {}), range: rangeOf(node) });
  }
  return out;
}

function pySize(kind: PoolKind, positional: SyntaxNode[], keywords: Map<string, SyntaxNode>): Pick<PoolSite, 'max' | 'defaulted' | 'how'> | undefined {
  switch (kind) {
    case 'psycopg2': {
      // SimpleConnectionPool(minconn, maxconn, *args, **kwargs): no default.
      const max = numberOf(keywords.get('maxconn') ?? positional[1]);
      return max === undefined ? undefined : { max, defaulted: false, how: `maxconn ${max}` };
    }
    case 'psycopg_pool': {
      const max = numberOf(keywords.get('max_size'));
      const min = numberOf(keywords.get('min_size'));
      if (max !== undefined) return { max, defaulted: false, how: `max_size ${max}` };
      return { max: min ?? 4, defaulted: true, how: min === undefined ? 'max_size = min_size 4 (default)' : `max_size = min_size ${min}` };
    }
    case 'asyncpg': {
      const max = numberOf(keywords.get('max_size'));
      return { max: max ?? 10, defaulted: max === undefined, how: max === undefined ? 'max_size 10 (default)' : `max_size ${max}` };
    }
    case 'sqlalchemy': {
      const poolclass = keywords.get('poolclass')?.text ?? '';
      if (/NullPool|StaticPool/.test(poolclass)) return undefined;
      const size = numberOf(keywords.get('pool_size'));
      const overflow = numberOf(keywords.get('max_overflow'));
      // max_overflow=-1: no limit; the budget cannot be known.
      if (overflow !== undefined && overflow < 0) return undefined;
      const s = size ?? 5;
      const o = overflow ?? 10;
      return { max: s + o, defaulted: size === undefined || overflow === undefined, how: `pool_size ${s}${size === undefined ? ' (default)' : ''} + max_overflow ${o}${overflow === undefined ? ' (default)' : ''}` };
    }
    default:
      return undefined;
  }
}

/** SQLAlchemy's connect_args={"application_name": "x"}. */
function connectArg(keywords: Map<string, SyntaxNode>, key: string): string | undefined {
  const dict = keywords.get('connect_args');
  if (dict?.type !== 'dictionary') return undefined;
  for (const pair of dict.namedChildren) {
    if (pair?.type === 'pair' && stringOf(pair.childForFieldName('key') ?? undefined) === key) return stringOf(pair.childForFieldName('value') ?? undefined);
  }
  return undefined;
}

function numberOf(node: SyntaxNode | undefined): number | undefined {
  if (!node) return undefined;
  const text = node.text.replace(/_/g, '');
  return /^\d+$/.test(text) ? Number(text) : node.type === 'unary_operator' && /^-\d+$/.test(text.replace(/\s/g, '')) ? Number(text.replace(/\s/g, '')) : undefined;
}

function stringOf(node: SyntaxNode | undefined): string | undefined {
  if (!node || (node.type !== 'string' && node.type !== 'template_string')) return undefined;
  if (node.descendantsOfType(['interpolation', 'template_substitution']).some((n) => n !== null)) return undefined;
  const text = node.text.replace(/^[rbuRBU]*("""|'''|"|'|`)/, '').replace(/("""|'''|"|'|`)$/, '');
  return text;
}

/** database and application_name from postgresql://…/db?application_name=x or a libpq "dbname=x application_name=y". */
function urlParts(dsn: string | undefined): { database?: string; applicationName?: string } {
  if (!dsn) return {};
  const url = /^postgres(?:ql)?(?:\+\w+)?:\/\/[^/?#]*\/([^?#]*)(?:\?([^#]*))?/i.exec(dsn);
  if (url) {
    const params = new URLSearchParams(url[2] ?? '');
    const database = url[1] ? decodeURIComponent(url[1]) : undefined;
    const applicationName = params.get('application_name') ?? undefined;
    return { ...(database ? { database } : {}), ...(applicationName ? { applicationName } : {}) };
  }
  const kv = (key: string): string | undefined => new RegExp(`(?:^|\\s)${key}\\s*=\\s*'?([^'\\s]+)`).exec(dsn)?.[1];
  const database = kv('dbname');
  const applicationName = kv('application_name');
  return { ...(database ? { database } : {}), ...(applicationName ? { applicationName } : {}) };
}
