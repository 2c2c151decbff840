// Section 5: what watching a fleet costs. 50 configured databases on 5 embedded PostgreSQL servers
// (10 each, every server with a few idle sessions), watched two ways in this process — the extension
// host runs this same code:
// - ours, overview only: nothing held, so the overview poller (src/postgres/overview.ts) looks at
//   every database with one short connection per server per cycle (more than 8 servers);
// - ours, one held per server: the status bar's default up to 8 servers — the first database of each
//   server is held and refreshed, the others are read off its snapshot with each refresh;
// - the peer: a monitor held for every database (MonitorManager with all 50 leased), which is what
//   the status bar did with up to 8 databases before, and what "poll every configured database"
//   costs when done the obvious way.
// Measured per cycle, interleaved: connections opened (counted from the servers' own
// log_connections lines), connections held at rest (pg_stat_activity), wall time of one cycle, this
// process's CPU time for it, and the heap it keeps (after a forced GC).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Client } from 'pg';
import type { ConnectionConfig } from '../src/postgres/connectionConfig';
import { MonitorManager } from '../src/postgres/monitors';
import { OverviewPoller } from '../src/postgres/overview';
import { SnapshotStore } from '../src/postgres/store';
import { startPostgres, type PgServer } from '../test/support/postgresServer';
import { median, round } from './stats';

export interface FleetSide {
  /** Connections the extension holds between cycles, summed over the servers. */
  heldAtRest: number;
  /** Connections opened per cycle (median), summed over the servers. */
  openedPerCycle: number;
  cycleMs: number;
  cpuMs: number;
  heapMB: number;
}

export interface FleetResults {
  servers: number;
  databases: number;
  sessionsPerServer: number;
  cycles: number;
  /** Overview only: what happens with more than 8 servers, or databases nothing holds. */
  ours: FleetSide;
  /** The status bar's default with up to 8 servers: one held per server, the rest read off it. */
  perServer: FleetSide;
  allHeld: FleetSide;
}

const MONITOR = "backend_type = 'client backend' AND query LIKE '/* pg-health monitor%'";

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function heapMB(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

export async function runFleetBench(options: { servers: number; databasesPerServer: number; cycles: number; log: (line: string) => void }): Promise<FleetResults> {
  const servers: PgServer[] = [];
  const observers: Client[] = [];
  const idle: Client[] = [];
  let connectionsSeen = 0;
  const password = 'pg-health-test';
  try {
    for (let s = 0; s < options.servers; s++) {
      const server = await startPostgres({
        maxConnections: 200,
        settings: { log_connections: 'on' },
        onLog: (line) => {
          if (/connection authorized/.test(line)) connectionsSeen++;
        },
      });
      servers.push(server);
      const observer = await server.connect();
      observers.push(observer);
      for (let d = 0; d < options.databasesPerServer; d++) await observer.query(`CREATE DATABASE fleet_${d}`);
      for (let k = 0; k < 5; k++) idle.push(await server.connect());
    }
    const configs: ConnectionConfig[] = servers.flatMap((server, s) =>
      Array.from({ length: options.databasesPerServer }, (_, d) => ({ name: `s${s}-fleet_${d}`, host: server.host, port: server.port, user: server.user, database: `fleet_${d}`, ssl: 'disable' as const })),
    );
    const passwords = { secretPassword: () => password, env: {}, homedir: '/nonexistent-home' };
    const held = async (): Promise<number> => {
      let n = 0;
      for (const o of observers) n += (await o.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${MONITOR}`)).rows[0]?.n ?? 0;
      return n;
    };

    const measure = async (name: string, setUp: () => Promise<{ cycle: () => Promise<void>; close: () => Promise<void> }>): Promise<FleetSide> => {
      const before = heapMB();
      const side = await setUp();
      const opened: number[] = [];
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < options.cycles; i++) {
        const seen = connectionsSeen;
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        await side.cycle();
        wall.push(performance.now() - start);
        const used = process.cpuUsage(cpuStart);
        cpu.push((used.user + used.system) / 1000);
        // Log lines arrive on the servers' pipes a moment later.
        await new Promise((r) => setTimeout(r, 50));
        opened.push(connectionsSeen - seen);
      }
      const result: FleetSide = {
        heldAtRest: await held(),
        openedPerCycle: median(opened),
        cycleMs: round(median(wall), 2),
        cpuMs: round(median(cpu), 2),
        heapMB: round(heapMB() - before, 2),
      };
      await side.close();
      options.log(`fleet ${name}: ${JSON.stringify(result)}`);
      return result;
    };

    const ours = await measure('ours (overview)', async () => {
      const store = new SnapshotStore();
      const poller = new OverviewPoller({ store, intervalMs: 3_600_000, isHeld: () => false, passwordsFor: () => passwords });
      poller.configure(configs);
      await poller.refreshNow();
      return { cycle: () => poller.refreshNow(), close: () => poller.dispose() };
    });
    const perServer = await measure('ours (one held per server)', async () => {
      // What the status bar does with up to 8 servers: it holds the first database of each server,
      // and the overview reads the other databases of that server off each of its refreshes.
      const store = new SnapshotStore();
      const manager = new MonitorManager({ store, intervalMs: 3_600_000, passwordsFor: () => passwords });
      manager.configure(configs);
      const leads = servers.map((_, s) => `s${s}-fleet_0`);
      for (const name of leads) manager.lease(name, 'bench');
      const poller = new OverviewPoller({ store, intervalMs: 3_600_000, isHeld: (n) => manager.isHeld(n), heldRunner: (n) => manager.monitor(n), passwordsFor: () => passwords });
      const deadline = Date.now() + 60_000;
      while (leads.some((n) => store.get(n)?.status.kind !== 'live')) {
        if (Date.now() > deadline) throw new Error('the held monitors did not all connect');
        await new Promise((r) => setTimeout(r, 50));
      }
      poller.configure(configs);
      await poller.refreshNow();
      if (configs.some((c) => !manager.isHeld(c.name) && store.get(c.name)?.overview?.kind !== 'usage')) throw new Error('not every database got its number');
      return {
        cycle: () => manager.refresh(),
        close: async () => {
          await poller.dispose();
          await manager.dispose();
        },
      };
    });
    const allHeld = await measure('all held', async () => {
      const store = new SnapshotStore();
      const manager = new MonitorManager({ store, intervalMs: 3_600_000, passwordsFor: () => passwords });
      manager.configure(configs);
      for (const c of configs) manager.lease(c.name, 'bench');
      const deadline = Date.now() + 60_000;
      while (configs.some((c) => store.get(c.name)?.status.kind !== 'live')) {
        if (Date.now() > deadline) throw new Error('the held monitors did not all connect');
        await new Promise((r) => setTimeout(r, 50));
      }
      return { cycle: () => manager.refresh(), close: () => manager.dispose() };
    });
    return { servers: options.servers, databases: configs.length, sessionsPerServer: 5, cycles: options.cycles, ours, perServer, allHeld };
  } finally {
    await Promise.all([...idle, ...observers].map((c) => c.end().catch(() => undefined)));
    for (const s of servers) await s.stop();
  }
}
