import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { Locator, Page } from 'playwright-core';
import { PgServer, startPostgres } from '../support/postgresServer';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import { collapse, dismissLeftovers, editWorkspaceSettings, exactRow, expand, quickInput, readTree, RestoreSettings, runFromPalette, TreeRowText, waitForQuickInput } from './sessionsHelpers';
import { eventually, openDatabasesView } from './workbench';

// Twenty databases on three real servers plus five ports where nothing listens, as a user with a
// fleet configures them. Nothing is expanded: every row must show its number or its error by itself,
// follow what happens on its server, and the extension must hold no connection for any of them.

const SERVERS = [
  { prefix: 'alpha', databases: 8 },
  { prefix: 'beta', databases: 7 },
  { prefix: 'gamma', databases: 5 },
];
const DOWN_PORTS = [2, 3, 4, 5, 6];
const MAX_CONNECTIONS = 30; // capacity 27 (3 reserved for superusers)

interface Fleet {
  server: PgServer;
  observer: Client;
  prefix: string;
  databases: string[];
}

const key = (s: PgServer): string => `127.0.0.1:${s.port}`;

/** Client backends the server counts, the extension's own (monitor or overview) apart. */
async function serverCounts(observer: Client): Promise<{ others: number; monitor: number; byDb: Map<string, number> }> {
  const { rows } = await observer.query<{ datname: string; monitor: boolean; n: number }>(
    `SELECT datname, coalesce(query LIKE '/* pg-health monitor%', false) AS monitor, count(*)::int AS n
       FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2`,
  );
  const byDb = new Map<string, number>();
  let others = 0;
  let monitor = 0;
  for (const r of rows) {
    if (r.monitor) monitor += r.n;
    else {
      others += r.n;
      byDb.set(r.datname, (byDb.get(r.datname) ?? 0) + r.n);
    }
  }
  return { others, monitor, byDb };
}

async function setFilter(page: Page, text: string): Promise<void> {
  // A palette pick can land as the list re-renders (as a user's can); pick again.
  for (let attempt = 1; ; attempt++) {
    await dismissLeftovers(page);
    await runFromPalette(page, 'PostgreSQL Health: Filter Databases…');
    try {
      await waitForQuickInput(page, 'Filter Databases', 10_000);
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  const input = quickInput(page).locator('.quick-input-box input').first();
  await input.fill(text);
  await input.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The view's message line ("3 of 20 databases match …"). */
async function viewMessage(page: Page): Promise<string> {
  const message = page.locator('[id="workbench.view.extension.pgHealth"] .message').first();
  return ((await message.textContent().catch(() => '')) ?? '').trim();
}

describe('Twenty databases at a glance', () => {
  const fleets: Fleet[] = [];
  const clients: Client[] = [];
  let restore: RestoreSettings | undefined;
  let tree: Locator;

  before(async function () {
    this.timeout(300_000);
    const { page, workspace } = await environment();
    await dismissLeftovers(page);
    for (const spec of SERVERS) {
      const server = await startPostgres({ maxConnections: MAX_CONNECTIONS });
      const observer = await server.connect();
      observer.on('error', () => undefined);
      const databases: string[] = [];
      for (let i = 1; i <= spec.databases; i++) {
        const db = `${spec.prefix}_${i}`;
        await observer.query(`CREATE DATABASE ${db}`);
        databases.push(db);
      }
      fleets.push({ server, observer, prefix: spec.prefix, databases });
    }
    restore = editWorkspaceSettings(workspace, (settings) => {
      const existing = Array.isArray(settings['pgHealth.connections']) ? (settings['pgHealth.connections'] as unknown[]) : [];
      const added = [
        ...fleets.flatMap((f) => f.databases.map((db) => ({ name: db, host: f.server.host, port: f.server.port, user: f.server.user, database: db }))),
        ...DOWN_PORTS.map((port, i) => ({ name: `down_${i + 1}`, host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })),
      ];
      settings['pgHealth.connections'] = [...existing, ...added];
      settings['pgHealth.overviewRefreshInterval'] = 2;
    });
    tree = await openDatabasesView(page);
  });

  after(async () => {
    const { page } = await environment();
    await setFilter(page, '').catch(() => undefined);
    await restore?.(async () => (await readTree(tree)).every((r) => !r.label.startsWith('alpha_')));
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    for (const f of fleets) {
      await f.observer.end().catch(() => undefined);
      await f.server.stop();
    }
  });

  /** Waits until the server's row shows the server's own count (the overview's short connection sees itself). */
  async function serverShows(page: Page, f: Fleet, accept: (rows: { server: TreeRowText | undefined; databases: TreeRowText[] }, counts: Awaited<ReturnType<typeof serverCounts>>) => boolean, what: string): Promise<{ server: TreeRowText | undefined; databases: TreeRowText[] }> {
    await setFilter(page, key(f.server));
    return eventually(
      async () => {
        const rows = await readTree(tree);
        const counts = await serverCounts(f.observer);
        const result = { server: rows.find((r) => r.label === key(f.server)), databases: rows.filter((r) => f.databases.includes(r.label)) };
        assert.ok(counts.monitor <= 1, `${key(f.server)} has ${counts.monitor} extension connections at once`);
        return { ...result, counts };
      },
      (v) => accept(v, v.counts),
      60_000,
      what,
    );
  }

  it('shows every database its number or its error without expanding, holding no connection on any server', async () => {
    const { page } = await environment();
    // Five sessions on alpha_2, three on beta_4.
    for (const [f, db, n] of [[fleets[0], 'alpha_2', 5], [fleets[1], 'beta_4', 3]] as const) {
      for (let i = 0; i < n; i++) {
        const c = new Client({ host: f?.server.host, port: f?.server.port, user: f?.server.user, password: f?.server.password, database: db });
        // The test terminates them later (and a server stops under them): that is not an error here.
        c.on('error', () => undefined);
        await c.connect();
        clients.push(c);
      }
    }
    for (const f of fleets) {
      const seen = await serverShows(
        page,
        f,
        (rows, counts) => rows.server?.description === `${counts.others + 1}/27` && rows.databases.every((d) => /^\d+ sessions? · \d+ s ago$/.test(d.description)),
        `${key(f.server)}: the server's used/capacity on its row and every database's share`,
      );
      assert.ok(
        seen.databases.every((d) => d.expanded === false),
        'no database row is expanded',
      );
      const counts = await serverCounts(f.observer);
      for (const d of seen.databases) {
        const own = Number(/^(\d+)/.exec(d.description)?.[1]);
        // The overview's short connection (to the first database by name) is nobody's session there.
        const expected = counts.byDb.get(d.label) ?? 0;
        assert.equal(own, expected, `${d.label}: ${d.description}`);
      }
    }
    await setFilter(page, 'down_');
    const down = await eventually(
      async () => (await readTree(tree)).filter((r) => r.label.startsWith('down_')),
      (rows) => rows.length === 5 && rows.every((r) => /Server not reachable: connection refused/.test(r.description)),
      30_000,
      'the five unreachable databases to show their error',
    );
    assert.equal(down.length, 5);
    await eventually(() => viewMessage(page), (m) => /^5 of \d+ databases match “down_”$/.test(m), 10_000, 'the view to say what the filter shows');
    await screenshot(page, 'fleet-down');
    // At rest the extension holds no connection on any fleet server (nothing is expanded).
    await new Promise((r) => setTimeout(r, 2_500));
    for (const f of fleets) assert.ok((await serverCounts(f.observer)).monitor <= 1, `${key(f.server)}: at most the short overview connection`);
  });

  it('follows sessions terminated on one server', async () => {
    const { page } = await environment();
    const alpha = fleets[0] as Fleet;
    await alpha.observer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'alpha_2' AND pid <> pg_backend_pid()");
    const seen = await serverShows(
      page,
      alpha,
      (rows, counts) => rows.server?.description === `${counts.others + 1}/27` && rows.databases.some((d) => d.label === 'alpha_2' && /^0 sessions/.test(d.description)),
      'alpha to drop by the five terminated sessions',
    );
    assert.match(seen.databases.find((d) => d.label === 'alpha_2')?.description ?? '', /^0 sessions · \d+ s ago$/);
    await screenshot(page, 'fleet-after-terminate');
  });

  it('holds one monitor connection for an expanded database, lists only its sessions, and reads the other databases of its server off it', async () => {
    const { page } = await environment();
    const gamma = fleets[2] as Fleet;
    for (const [db, n] of [['gamma_3', 2], ['gamma_1', 1]] as const) {
      for (let i = 0; i < n; i++) {
        const c = new Client({ host: gamma.server.host, port: gamma.server.port, user: gamma.server.user, password: gamma.server.password, database: db, application_name: `e2e-${db}` });
        c.on('error', () => undefined);
        await c.connect();
        clients.push(c);
      }
    }
    await setFilter(page, key(gamma.server));
    const row = exactRow(tree, 'gamma_3');
    await expand(row);
    try {
      // gamma_3's own: the two clients and the monitor now held there; elsewhere: gamma_1's client and the observer.
      const rows = await eventually(
        async () => readTree(tree),
        (r) =>
          r.some((x) => x.label === 'gamma_3' && x.description === '3 sessions') &&
          r.some((x) => /^2 more sessions on other databases of 127\.0\.0\.1:\d+$/.test(x.label)) &&
          r.some((x) => x.label === 'idle' && x.description === '2') &&
          // Read off gamma_3's held connection with each of its refreshes: live, so no age.
          r.some((x) => x.label === 'gamma_1' && x.description === '1 session'),
        60_000,
        'gamma_3 held with its own two sessions, and gamma_1 read off its connection',
      );
      await screenshot(page, 'fleet-expanded');
      assert.ok(!rows.some((x) => x.label.includes('e2e-gamma_1')), 'gamma_1\'s session is not listed under gamma_3');
      // One held connection on gamma and no short ones beside it, over several overview cycles.
      for (let i = 0; i < 6; i++) {
        const counts = await serverCounts(gamma.observer);
        assert.equal(counts.monitor, 1, `extension connections on gamma (look ${i})`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    } finally {
      await collapse(row);
    }
  });

  it('turns a stopped server into errors and brings it back when it starts again', async () => {
    const { page } = await environment();
    const beta = fleets[1] as Fleet;
    await beta.observer.end();
    await beta.server.restart('fast', async () => {
      await setFilter(page, key(beta.server));
      await eventually(
        async () => (await readTree(tree)).filter((r) => beta.databases.includes(r.label)),
        (rows) => rows.length === beta.databases.length && rows.every((r) => /Server not reachable|shutting down|terminated|lost/.test(r.description)),
        30_000,
        'every beta database to show the server is down',
      );
      await screenshot(page, 'fleet-server-down');
    });
    beta.observer = await beta.server.connect();
    beta.observer.on('error', () => undefined);
    const back = await serverShows(
      page,
      beta,
      (rows, counts) => rows.server?.description === `${counts.others + 1}/27` && rows.databases.every((d) => /^\d+ sessions? · \d+ s ago$/.test(d.description)),
      'beta to come back with numbers',
    );
    assert.equal(back.databases.length, 7);
    for (const f of fleets) assert.ok((await serverCounts(f.observer)).monitor <= 1);
  });
});
