// What a database's dashboard shows about each PgBouncer in front of it (a configured entry of kind
// "pgbouncer" whose server connections are backends of this server): waiting clients and maxwait over
// time, the server connections it holds against the server's capacity, its pools, and advice on
// default_pool_size, max_db_connections and reserve_pool_size from the live numbers and the settings
// PgBouncer reports (SHOW CONFIG, SHOW DATABASES). Pure: the words go through `t` (vscode.l10n.t in
// the extension), the numbers come from the pooler store.
import { HealthLevel, PoolerSnapshot, PoolerHealth } from '../postgres/pgbouncer';
import { PoolerHistoryPoint } from '../postgres/pgbouncerMonitor';
import * as l10n from '@vscode/l10n';


export interface PoolerPoolRow {
  database: string;
  user: string;
  clActive: number;
  clWaiting: number;
  svActive: number;
  svIdle: number;
  svUsed: number;
  maxwaitSeconds: number;
  poolMode: string;
  /** pool_size from SHOW DATABASES (default_pool_size unless the database sets its own). */
  poolSize: number | null;
  level: HealthLevel;
  /** The saturation signs in words. */
  signs: string[];
}

export interface PoolerAdviceItem {
  setting: 'default_pool_size' | 'max_db_connections' | 'reserve_pool_size';
  current: number | null;
  /** A value to set, when the numbers call for a change. */
  suggested: number | null;
  text: string;
}

export interface PoolerView {
  name: string;
  version: string;
  level: HealthLevel;
  /** The level and its reasons in one sentence. */
  summary: string;
  waiting: number;
  maxwaitSeconds: number;
  clients: number;
  maxClientConn: number | null;
  /** Server connections PgBouncer holds (SHOW SERVERS) and how many of them are backends of this server. */
  serverConnections: number;
  ownedBackends: number;
  /** This server's used/capacity. */
  used: number;
  capacity: number;
  history: { from: number; to: number; samples: PoolerHistoryPoint[] };
  pools: PoolerPoolRow[];
  settings: { defaultPoolSize: number | null; maxDbConnections: number | null; reservePoolSize: number | null; reservePoolTimeoutSeconds: number | null; poolMode: string | null } | null;
  advice: PoolerAdviceItem[];
  /** Every sentence and label the webview shows for it, worded by the host (vscode.l10n.t). */
  text: PoolerTexts;
}

export interface PoolerTexts {
  heading: string;
  levelWord: string;
  /** Waiting now, clients against max_client_conn, server connections against this server's slots. */
  servers: string;
  /** What the chart draws, in words (its accessible name). */
  chart: string;
  noHistory: string;
  waitingLegend: string;
  maxwaitLegend: string;
  now: string;
  columns: string[];
  ok: string;
  sizing: string;
  copy: string;
  copyTitle: string;
}

export interface PoolerViewInput {
  name: string;
  snapshot: PoolerSnapshot;
  health: PoolerHealth | undefined;
  history: readonly PoolerHistoryPoint[];
  /** Backends of this server the pooler opened, and the server's used/capacity. */
  ownedBackends: number;
  used: number;
  capacity: number;
  /** The refresh interval, to say how long "several refreshes" was. */
  windowMs?: number;
  maxSamples?: number;
}

export function seconds(value: number): string {
  return value < 10 ? (Math.round(value * 10) / 10).toString() : Math.round(value).toString();
}

function signWords(signs: readonly string[], streak: number): string[] {
  return signs.map((sign) => {
    switch (sign) {
      case 'waiting':
        return l10n.t('clients waiting for {0} refreshes', streak);
      case 'maxwaitRising':
        return l10n.t('maxwait rising');
      case 'noIdleServer':
        return l10n.t('no idle server connection');
      case 'paused':
        return l10n.t('paused');
      default:
        return sign;
    }
  });
}

export function buildPoolerView(input: PoolerViewInput): PoolerView {
  const { snapshot, health } = input;
  const to = snapshot.takenAt;
  const from = Math.max(to - (input.windowMs ?? 60 * 60 * 1000), input.history[0]?.at ?? to);
  const inWindow = input.history.filter((h) => h.at >= from);
  const maxSamples = input.maxSamples ?? 240;
  let samples: PoolerHistoryPoint[] = inWindow;
  if (inWindow.length > maxSamples) {
    // Keep the worst point of each stretch: a short burst of waiting is never thinned away.
    samples = [];
    const stretch = inWindow.length / maxSamples;
    for (let i = 0; i < maxSamples; i++) {
      const part = inWindow.slice(Math.floor(i * stretch), Math.floor((i + 1) * stretch));
      let best = part[0];
      for (const p of part) if (best === undefined || p.waiting > best.waiting || (p.waiting === best.waiting && p.maxwaitSeconds > best.maxwaitSeconds)) best = p;
      if (best) samples.push(best);
    }
  }
  const poolSizes = new Map(snapshot.databases.map((d) => [d.name, d.poolSize]));
  const pools: PoolerPoolRow[] = snapshot.pools.map((p) => {
    const ph = health?.pools.find((x) => x.database === p.database && x.user === p.user);
    return {
      database: p.database,
      user: p.user,
      clActive: p.clActive,
      clWaiting: p.clWaiting,
      svActive: p.svActive,
      svIdle: p.svIdle,
      svUsed: p.svUsed,
      maxwaitSeconds: p.maxwaitSeconds,
      poolMode: p.poolMode,
      poolSize: poolSizes.get(p.database) ?? snapshot.settings?.defaultPoolSize ?? null,
      level: ph?.level ?? 'ok',
      signs: signWords(ph?.signs ?? [], ph?.waitingStreak ?? 0),
    };
  });
  const waiting = snapshot.pools.reduce((s, p) => s + p.clWaiting, 0);
  const maxwait = snapshot.pools.reduce((m, p) => Math.max(m, p.maxwaitSeconds), 0);
  const level = health?.level ?? 'ok';
  const reasons = pools.filter((p) => p.level !== 'ok').map((p) => `${p.database}/${p.user}: ${p.signs.join(', ')}`);
  if (health?.signs.includes('clientsFull')) reasons.unshift(l10n.t('max_client_conn reached ({0}/{1})', health.clients, health.maxClientConn ?? 0));
  const summary =
    level === 'ok'
      ? l10n.t('No pool is saturated: {0} clients waiting now, maxwait {1} s.', waiting, seconds(maxwait))
      : l10n.t('{0}: {1}.', level === 'critical' ? l10n.t('Critical') : l10n.t('Warning'), reasons.join('; '));
  const s = snapshot.settings;
  const span = Math.max(1, to - from);
  const minutes = Math.max(1, Math.round(span / 60_000));
  const peakWaiting = samples.reduce((m, x) => Math.max(m, x.waiting), 0);
  const peakWait = samples.reduce((m, x) => Math.max(m, x.maxwaitSeconds), 0);
  const text: PoolerTexts = {
    heading: l10n.t('PgBouncer in front'),
    levelWord: level === 'critical' ? l10n.t('critical') : level === 'warning' ? l10n.t('warning') : l10n.t('ok'),
    servers: l10n.t(
      '{0} clients waiting now (maxwait {1} s); {2} clients of max_client_conn {3}. PgBouncer holds {4} server connections, {5} of them on this server, which has {6} of {7} slots in use.',
      waiting,
      seconds(maxwait),
      snapshot.clientCount,
      s?.maxClientConn ?? '?',
      snapshot.servers.length,
      input.ownedBackends,
      input.used,
      input.capacity,
    ),
    chart: l10n.t(
      'PgBouncer {0} over the last {1} min: now {2} clients waiting, maxwait {3} s; at most {4} waiting, longest wait {5} s; {6} server connections',
      input.name,
      minutes,
      waiting,
      seconds(maxwait),
      peakWaiting,
      seconds(peakWait),
      snapshot.servers.length,
    ),
    noHistory: l10n.t('No history yet: points arrive with every refresh.'),
    waitingLegend: l10n.t('waiting (bars)'),
    maxwaitLegend: l10n.t('maxwait {0} s', seconds(Math.max(1, peakWait))),
    now: l10n.t('now'),
    columns: [l10n.t('pool'), l10n.t('mode'), l10n.t('clients active'), l10n.t('waiting'), l10n.t('maxwait'), l10n.t('server active'), l10n.t('idle'), l10n.t('used'), l10n.t('pool size'), l10n.t('state')],
    ok: l10n.t('ok'),
    sizing: l10n.t('Sizing, from the live numbers'),
    copy: l10n.t('Copy'),
    copyTitle: l10n.t('Copy to the clipboard'),
  };
  return {
    name: input.name,
    version: snapshot.version,
    level,
    summary,
    waiting,
    maxwaitSeconds: maxwait,
    clients: snapshot.clientCount,
    maxClientConn: s?.maxClientConn ?? null,
    serverConnections: snapshot.servers.length,
    ownedBackends: input.ownedBackends,
    used: input.used,
    capacity: input.capacity,
    history: { from, to, samples },
    pools,
    settings: s ? { defaultPoolSize: s.defaultPoolSize, maxDbConnections: s.maxDbConnections, reservePoolSize: s.reservePoolSize, reservePoolTimeoutSeconds: s.reservePoolTimeoutSeconds, poolMode: s.poolMode } : null,
    advice: poolerSizingAdvice(input, pools, inWindow),
    text,
  };
}

/**
 * default_pool_size, max_db_connections and reserve_pool_size from what the pools do now and did in
 * the window, against the server's free slots. Each item says what it saw and, where the numbers call
 * for it, the value to set.
 */
export function poolerSizingAdvice(input: PoolerViewInput, pools: readonly PoolerPoolRow[], history: readonly PoolerHistoryPoint[]): PoolerAdviceItem[] {
  const s = input.snapshot.settings;
  const advice: PoolerAdviceItem[] = [];
  const defaultPoolSize = s?.defaultPoolSize ?? null;
  const free = Math.max(0, input.capacity - input.used);
  const saturated = pools.filter((p) => p.level !== 'ok' && p.clWaiting > 0);
  const peakWaiting = history.reduce((m, h) => Math.max(m, h.waiting), input.snapshot.pools.reduce((sum, p) => sum + p.clWaiting, 0));

  // default_pool_size
  const busiest = saturated.sort((a, b) => b.clWaiting - a.clWaiting)[0];
  if (busiest) {
    const size = busiest.poolSize ?? defaultPoolSize ?? busiest.svActive;
    const more = Math.min(Math.max(busiest.clWaiting, 1), free);
    if (more > 0) {
      advice.push({
        setting: 'default_pool_size',
        current: defaultPoolSize,
        suggested: size + more,
        text: l10n.t(
          'Pool {0}/{1}: {2} clients wait (maxwait {3} s) while {4} of its {5} server connections are busy. The server has {6} free slots, so default_pool_size = {7} (or pool_size={7} for {0} under [databases]) lets {8} more transactions run at once. Then RELOAD PgBouncer.',
          busiest.database,
          busiest.user,
          busiest.clWaiting,
          seconds(busiest.maxwaitSeconds),
          busiest.svActive,
          size,
          free,
          size + more,
          more,
        ),
      });
    } else {
      advice.push({
        setting: 'default_pool_size',
        current: defaultPoolSize,
        suggested: null,
        text: l10n.t(
          'Pool {0}/{1}: {2} clients wait, but the server has no free slot ({3} of {4} in use): a larger pool would only meet "too many clients". Shorten the transactions that hold server connections (look for idle in transaction) or raise max_connections first.',
          busiest.database,
          busiest.user,
          busiest.clWaiting,
          input.used,
          input.capacity,
        ),
      });
    }
  } else {
    advice.push({
      setting: 'default_pool_size',
      current: defaultPoolSize,
      suggested: null,
      text:
        peakWaiting > 0
          ? l10n.t('default_pool_size = {0}: clients waited now and then (up to {1} at once in the window) but no pool stayed saturated; this size fits the load.', defaultPoolSize ?? '?', peakWaiting)
          : l10n.t('default_pool_size = {0}: no client waited in the window; this size fits the load.', defaultPoolSize ?? '?'),
    });
  }

  // max_db_connections: what the pools could open against what the server can give them.
  const maxDb = s?.maxDbConnections ?? null;
  const reserve = s?.reservePoolSize ?? 0;
  const byDatabase = new Map<string, number>();
  for (const p of input.snapshot.pools) byDatabase.set(p.database, (byDatabase.get(p.database) ?? 0) + 1);
  let potential = 0;
  for (const [database, count] of byDatabase) {
    const size = input.snapshot.databases.find((d) => d.name === database)?.poolSize ?? defaultPoolSize ?? 0;
    potential += count * (size + reserve);
  }
  // The pooler's own backends are part of `used`: what it may take is what is free plus what it holds.
  const room = free + input.ownedBackends;
  if ((maxDb === null || maxDb === 0) && potential > room) {
    advice.push({
      setting: 'max_db_connections',
      current: maxDb,
      suggested: Math.max(1, room),
      text: l10n.t(
        'max_db_connections = 0 (no limit): the {0} pools may open up to {1} server connections (pool size plus reserve each), more than the {2} slots the server can give PgBouncer now. max_db_connections = {2} makes clients queue in PgBouncer instead of failing with "too many clients" on the server.',
        input.snapshot.pools.length,
        potential,
        Math.max(1, room),
      ),
    });
  } else if (maxDb !== null && maxDb > 0) {
    const capped = input.snapshot.databases.filter((d) => d.currentConnections >= maxDb && saturated.some((p) => p.database === d.name));
    advice.push({
      setting: 'max_db_connections',
      current: maxDb,
      suggested: capped.length > 0 && free > 0 ? maxDb + Math.min(free, peakWaiting || 1) : null,
      text:
        capped.length > 0
          ? l10n.t('max_db_connections = {0} caps {1}: its clients wait because of it, with {2} free slots on the server.', maxDb, capped.map((d) => d.name).join(', '), free)
          : l10n.t('max_db_connections = {0}: no database is held back by it now.', maxDb),
    });
  } else {
    advice.push({
      setting: 'max_db_connections',
      current: maxDb,
      suggested: null,
      text: l10n.t('max_db_connections = 0 (no limit): the pools can open at most {0} server connections, within the {1} slots the server can give PgBouncer.', potential, room),
    });
  }

  // reserve_pool_size: extra connections for bursts, after reserve_pool_timeout.
  const timeout = s?.reservePoolTimeoutSeconds ?? 5;
  const waitedSamples = history.filter((h) => h.waiting > 0).length;
  const bursty = waitedSamples > 0 && waitedSamples < history.length * 0.5;
  const maxwait = input.snapshot.pools.reduce((m, p) => Math.max(m, p.maxwaitSeconds), 0);
  if (reserve === 0 && (bursty || (busiest !== undefined && free > 0))) {
    const suggested = Math.max(1, Math.ceil((defaultPoolSize ?? 4) / 4));
    advice.push({
      setting: 'reserve_pool_size',
      current: reserve,
      suggested,
      text: l10n.t(
        'reserve_pool_size = 0: clients waited in {0} of {1} refreshes. With reserve_pool_size = {2}, a pool whose clients wait longer than reserve_pool_timeout ({3} s) gets up to {2} more server connections: for bursts, counted against the server\'s capacity.',
        waitedSamples,
        history.length,
        suggested,
        timeout,
      ),
    });
  } else if (reserve > 0 && busiest !== undefined && maxwait > timeout) {
    advice.push({
      setting: 'reserve_pool_size',
      current: reserve,
      suggested: null,
      text: l10n.t('reserve_pool_size = {0} is in use and clients still wait longer than reserve_pool_timeout ({1} s): the load is steady, not a burst, so size default_pool_size instead.', reserve, timeout),
    });
  } else {
    advice.push({
      setting: 'reserve_pool_size',
      current: reserve,
      suggested: null,
      text: l10n.t('reserve_pool_size = {0}, reserve_pool_timeout = {1} s: no burst in the window calls for a change.', reserve, timeout),
    });
  }
  return advice;
}
