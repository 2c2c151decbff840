// The nodes of the Databases view: servers, databases, session groups, sessions and message rows.
import { ConnectionConfig } from '../postgres/connectionConfig';
import { PoolerConnection, PoolerPool, PoolHealth } from '../postgres/pgbouncer';
import { Session } from '../postgres/snapshot';
import { GroupBy, isIdleState } from './sessionGroups';

export class DatabaseNode {
  readonly kind = 'database';
  /** Set when other configured databases share its server: the row sits under that server's row. */
  parent: ServerNode | undefined;
  constructor(
    readonly config: ConnectionConfig,
    /** host:port ('' when the entry is malformed), the database it connects to and the role it connects as. */
    readonly server: string,
    readonly database: string | undefined,
    readonly user: string = '',
  ) {}
  get name(): string {
    return this.config.name;
  }

  /** An entry of kind "pgbouncer": PgBouncer's admin console, shown with its pools. */
  get isPooler(): boolean {
    return this.config.kind === 'pgbouncer';
  }
}

/** One pool of a PgBouncer (a database/user pair of SHOW POOLS), its server connections and clients below. */
/** Rows listed per pool at most; a pooler may hold thousands of clients. */
export const MAX_POOL_ROWS = 200;

export class PoolNode {
  readonly kind = 'pool';
  readonly children: Array<PoolerConnectionNode | MessageNode>;
  constructor(
    /** The pgbouncer entry's name. */
    readonly pooler: string,
    readonly pool: PoolerPool,
    readonly health: PoolHealth | undefined,
    readonly paused: boolean,
    servers: readonly PoolerConnection[],
    clients: readonly PoolerConnection[],
  ) {
    const rows = [...servers.map((c) => new PoolerConnectionNode(this, 'server', c)), ...clients.map((c) => new PoolerConnectionNode(this, 'client', c))];
    this.children = rows.slice(0, MAX_POOL_ROWS);
    /** Rows left out (the pool row says how many), shown as one message row. */
    this.more = Math.max(0, rows.length - MAX_POOL_ROWS);
  }

  readonly more: number;

  get key(): string {
    return `${this.pool.database}/${this.pool.user}`;
  }
}

/** A client of PgBouncer (SHOW CLIENTS) or one of its server connections to PostgreSQL (SHOW SERVERS). */
export class PoolerConnectionNode {
  readonly kind = 'poolerConnection';
  constructor(
    readonly pool: PoolNode,
    readonly side: 'client' | 'server',
    readonly connection: PoolerConnection,
  ) {}
}

/** A server (host:port) with more than one configured database on it: capacity is the server's, shared by them. */
export class ServerNode {
  readonly kind = 'server';
  constructor(
    readonly key: string,
    readonly databases: DatabaseNode[],
  ) {}
}

export class GroupNode {
  readonly kind = 'group';
  readonly children: SessionNode[];
  constructor(
    readonly database: string,
    readonly by: GroupBy,
    readonly key: string,
    sessions: readonly Session[],
    /** Set under a database row that sits under its server's row: only this database's sessions are shown. */
    readonly datname?: string,
  ) {
    this.children = sessions.map((s) => new SessionNode(database, s, this));
  }

  get sessions(): Session[] {
    return this.children.map((c) => c.session);
  }

  /** A state group other than the idle ones (active, hidden…) has nothing for Terminate Idle Sessions. */
  get offersIdleTermination(): boolean {
    return this.by !== 'state' || isIdleState(this.key);
  }
}

export class SessionNode {
  readonly kind = 'session';
  constructor(
    readonly database: string,
    /** Replaced in place by each snapshot while the tree's shape stays the same (see DatabasesTreeProvider.onStoreChange). */
    public session: Session,
    readonly group: GroupNode,
  ) {}
}

/** The id VS Code knows a session row by: pid and backend_start (pids are reused). */
export function sessionId(database: string, s: Session): string {
  return `session:${database}:${s.pid}:${s.backendStart ?? ''}`;
}


export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly id: string,
    readonly text: string,
    readonly icon: string,
    readonly tooltip?: string,
  ) {}
}

export type TreeNode = ServerNode | DatabaseNode | GroupNode | SessionNode | MessageNode | PoolNode | PoolerConnectionNode;

export type SortBy = 'name' | 'headroom';
