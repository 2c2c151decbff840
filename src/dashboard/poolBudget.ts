// The pool budget: can the pools the workspace constructs fit the server at all? Each pool may open
// its maximum per process; with the replicas a team runs (pgHealth.pools.replicas) the sum is what
// they may hold at once, against the capacity ordinary roles share. Pure: the dashboard shows it and
// the editor warns at a constructor whose pool alone cannot fit.
import * as l10n from '@vscode/l10n';
import type { PoolSite } from '../analysis/sql/pools';
import type { PoolBudgetRow, PoolBudgetView } from './protocol';

export interface KnownPool {
  /** Where it is constructed, as the user reads it: `src/db.js:12`. */
  place: string;
  pool: PoolSite;
}

/** Replicas per application_name ("*" for the others); 1 when unset. */
export type Replicas = Readonly<Record<string, number>>;

export function replicasOf(replicas: Replicas, applicationName: string | undefined): number {
  const n = (applicationName !== undefined ? replicas[applicationName] : undefined) ?? replicas['*'] ?? 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** The pools that may connect to `database`: those that name it, and those whose database the code does not say. */
export function poolsFor<T extends KnownPool>(pools: readonly T[], database: string | undefined): T[] {
  return pools.filter((p) => p.pool.database === undefined || database === undefined || p.pool.database === database);
}

export function buildPoolBudget(
  pools: readonly KnownPool[],
  database: string | undefined,
  capacity: number,
  replicas: Replicas,
  sessionsByApplication: ReadonlyMap<string, number>,
): PoolBudgetView | undefined {
  const mine = poolsFor(pools, database);
  if (mine.length === 0) return undefined;
  const rows: PoolBudgetRow[] = mine.map(({ place, pool }) => {
    const n = replicasOf(replicas, pool.applicationName);
    return {
      place,
      kind: pool.kind,
      how: pool.how,
      max: pool.max,
      replicas: n,
      total: pool.max * n,
      applicationName: pool.applicationName ?? null,
      database: pool.database ?? null,
      now: pool.applicationName !== undefined ? (sessionsByApplication.get(pool.applicationName) ?? 0) : null,
    };
  });
  const perSet = rows.reduce((sum, r) => sum + r.max, 0);
  const total = rows.reduce((sum, r) => sum + r.total, 0);
  return { rows, perSet, total, capacity, summary: budgetSummary(rows.length, perSet, total, capacity), overCapacity: total > capacity };
}

function budgetSummary(pools: number, perSet: number, total: number, capacity: number): string {
  const open =
    pools === 1
      ? l10n.t('1 pool can open {0} connections per process', perSet)
      : l10n.t('{0} pools can open {1} connections per set of processes', pools, perSet);
  const withReplicas = total !== perSet ? l10n.t('{0} with the replicas set', total) : '';
  let room: string;
  if (total > capacity) room = l10n.t('that is {0} more than capacity {1}: when they all fill up, new connections fail with "too many clients"', total - capacity, capacity);
  else {
    const more = perSet > 0 ? Math.floor((capacity - total) / perSet) : 0;
    room =
      more === 0
        ? l10n.t('capacity {0} leaves room for no more replicas', capacity)
        : more === 1
          ? l10n.t('capacity {0} leaves room for 1 more replica', capacity)
          : l10n.t('capacity {0} leaves room for {1} more replicas', capacity, more);
  }
  return [open, withReplicas, room].filter((part) => part !== '').join('; ');
}

/** Sessions per application_name in a snapshot's sessions. */
export function sessionsByApplication(sessions: readonly { application: string | null; isMonitor: boolean }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sessions) if (!s.isMonitor && s.application) counts.set(s.application, (counts.get(s.application) ?? 0) + 1);
  return counts;
}

/** A pool that alone, with its replicas, may open more connections than the database has: the warning at its constructor. */
export function poolOverCapacity(pool: PoolSite, replicas: number, capacity: number, database: string): string | undefined {
  const total = pool.max * replicas;
  if (total <= capacity) return undefined;
  return replicas > 1
    ? l10n.t('This pool may open {0} connections ({1} × {2} replicas), more than the capacity of {3} ({4}): when it fills up, new connections fail with "too many clients".', total, pool.how, replicas, database, capacity)
    : l10n.t('This pool may open {0} connections ({1}), more than the capacity of {2} ({3}): when it fills up, new connections fail with "too many clients".', total, pool.how, database, capacity);
}
