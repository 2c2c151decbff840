import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { isPgBouncerAvailable, startPgBouncer } from '../support/pgBouncer';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import { addConnections, dismissLeftovers } from './sessionsHelpers';
import { eventually, openDatabasesView, treeRow } from './workbench';

interface ServerCounts {
  used: number;
  capacity: number;
  maxConnections: number;
}

/** What the server itself says: backends holding a client slot, and the slots ordinary users may take. */
async function serverCounts(client: Client): Promise<ServerCounts> {
  const { rows } = await client.query<{ used: number; max: number; reserved: number }>(`
    -- Every client backend, the monitors the status bar holds included (one per server and role).
    SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
           current_setting('max_connections')::int AS max,
           current_setting('superuser_reserved_connections')::int
             + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`);
  const row = rows[0];
  assert.ok(row);
  return { used: row.used, capacity: row.max - row.reserved, maxConnections: row.max };
}

describe('Databases view', () => {
  const extra: Client[] = [];

  after(async () => {
    await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
  });

  it('shows the configured database with used/capacity as the server counts them', async () => {
    const { pg, page } = await environment();
    // Three application sessions the view has to count.
    for (let i = 0; i < 3; i++) {
      const c = await pg.connect();
      await c.query("SET application_name = 'e2e-app'");
      extra.push(c);
    }
    const tree = await openDatabasesView(page);
    const row = treeRow(tree, 'test-db');
    await row.waitFor({ timeout: 60_000 });
    const probe = await pg.connect();
    try {
      // The description is "used/capacity"; wait until the view and the server agree (the probe itself is one of them).
      const seen = await eventually(
        async () => {
          const text = (await row.locator('.label-description').textContent())?.trim() ?? '';
          const expected = await serverCounts(probe);
          return { text, expected: `${expected.used}/${expected.capacity}`, expectedMax: expected.maxConnections };
        },
        // test-db is held by the status bar (the first database of its server and role); a number from
        // the overview's short connection would say how old it is.
        (v) => v.text.replace(/ · \d+ s ago$/, '') === v.expected,
        60_000,
        'the test-db node to show the server\'s used/capacity',
      );
      assert.equal(seen.expectedMax, 40);
      assert.match(seen.text, /^\d+\/37( · \d+ s ago)?$/, 'capacity = max_connections 40 - superuser_reserved_connections 3 - reserved_connections 0');
    } finally {
      await probe.end();
    }
    await screenshot(page, 'databases-view');
  });

  it('shows a closed port and a wrong password on their nodes, without notifications', async () => {
    const { page } = await environment();
    const tree = await openDatabasesView(page);
    const closed = await eventually(
      async () => (await treeRow(tree, 'closed-port').locator('.label-description').textContent())?.trim() ?? '',
      (t) => /not reachable|refused/i.test(t),
      60_000,
      'the closed-port node to say the server is not reachable',
    );
    assert.match(closed, /not reachable|refused/i);
    const wrong = await eventually(
      async () => (await treeRow(tree, 'wrong-password').locator('.label-description').textContent())?.trim() ?? '',
      (t) => /password|role|authentication/i.test(t),
      60_000,
      'the wrong-password node to name the authentication problem',
    );
    assert.match(wrong, /password|role|authentication/i);
    // No notification storm: connection problems are shown on the nodes, not as toasts.
    const toasts = await page.locator('.notifications-toasts .notification-toast').count();
    assert.equal(toasts, 0, `expected no notification toasts, saw ${toasts}`);
    await screenshot(page, 'databases-view-errors');
  });

  it('says on the node and in its tooltip that a connection goes through PgBouncer, and where PostgreSQL itself listens', async function () {
    if (!isPgBouncerAvailable()) this.skip();
    const { pg, page, workspace } = await environment();
    await dismissLeftovers(page);
    const bouncer = await startPgBouncer(pg, { poolMode: 'transaction' });
    const restore = addConnections(workspace, [{ name: 'via-pgbouncer', host: '127.0.0.1', port: bouncer.port, user: pg.user, database: pg.database, ssl: 'disable' }]);
    try {
      const tree = await openDatabasesView(page);
      const row = treeRow(tree, 'via-pgbouncer');
      await row.waitFor({ timeout: 60_000 });
      const description = await eventually(
        async () => (await row.locator('.label-description').textContent())?.trim() ?? '',
        (t) => /^\d+\/37 · via pooler( · \d+ s ago)?$/.test(t),
        60_000,
        'the via-pgbouncer node to show used/capacity and "via pooler"',
      );
      assert.match(description, /^\d+\/37 · via pooler( · \d+ s ago)?$/);
      // The tooltip explains it and names the setting to change.
      await row.hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'connection pooler' }).first();
      await hover.waitFor({ timeout: 15_000 });
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      assert.match(text, /Connected through a connection pooler/);
      assert.match(text, /cannot keep a slot of its own/);
      assert.match(text, new RegExp(`give "via-pgbouncer" "host": "127\\.0\\.0\\.1", "port": ${pg.port}`));
      await screenshot(page, 'databases-view-pooler');
      await page.keyboard.press('Escape');
    } finally {
      await restore(async () => (await treeRow(await openDatabasesView(page), 'via-pgbouncer').count()) === 0);
      await bouncer.stop();
    }
  });
});
