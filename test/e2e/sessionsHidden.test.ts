import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import {
  addConnections,
  collapse,
  databaseChildren,
  dismissLeftovers,
  exactRow,
  expand,
  chooseForDialog,
  openSessions,
  readTree,
  RestoreSettings,
  serverSessions,
  sessionRow,
} from './sessionsHelpers';
import { clickDialogButton, eventually, openDatabasesView } from './workbench';

const ROLE = 'e2e_limited';
const CONNECTION = 'limited-role';

interface ServerView {
  used: number;
  capacity: number;
  /** Client backends of other roles: what ROLE may not look into without pg_monitor. */
  othersSessions: number;
}

async function serverView(client: Client): Promise<ServerView> {
  const { rows } = await client.query<ServerView>(
    `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
            (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename <> $1) AS "othersSessions",
            current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
              - coalesce(current_setting('reserved_connections', true)::int, 0) AS capacity`,
    [ROLE],
  );
  const row = rows[0];
  assert.ok(row);
  return row;
}

describe('Sessions hidden from a role without pg_monitor', () => {
  before(async () => dismissLeftovers((await environment()).page));

  let admin: Client | undefined;
  let own: Client | undefined;
  let restoreSettings: RestoreSettings | undefined;

  after(async () => {
    await restoreSettings?.();
    await own?.end().catch(() => undefined);
    await admin?.end().catch(() => undefined);
  });

  it('counts other roles\' sessions as "N sessions hidden — grant pg_monitor to see them", shows them once granted, and says superuser is needed to terminate a superuser\'s', async () => {
    const { pg, page, workspace } = await environment();
    admin = await pg.connect();
    // The same password as the superuser's, so the PGPASSWORD the extension host has works for this role too.
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${pg.password.replace(/'/g, "''")}'`);
    own = new Client({ host: pg.host, port: pg.port, user: ROLE, password: pg.password, database: pg.database, application_name: 'e2e-hidden-own' });
    await own.connect();
    restoreSettings = addConnections(workspace, [{ name: CONNECTION, host: pg.host, port: pg.port, user: ROLE, database: pg.database }]);

    const tree = await openDatabasesView(page);
    const node = exactRow(tree, CONNECTION, 1);
    await node.first().waitFor({ state: 'visible', timeout: 60_000 });
    await expand(node);
    const seen = await eventually(
      async () => {
        const rows = await readTree(tree);
        const db = rows.find((r) => r.level === 1 && r.label === CONNECTION);
        const children = databaseChildren(rows, CONNECTION);
        return { description: db?.description ?? '', children, server: await serverView(admin as Client) };
      },
      (v) => {
        const hidden = v.children.find((c) => c.label.includes('hidden'));
        const visible = v.children.filter((c) => c.level === 2).reduce((n, g) => n + Number(g.description), 0);
        return (
          hidden?.label === `${v.server.othersSessions} sessions hidden — grant pg_monitor to see them` &&
          v.description === `${v.server.used}/${v.server.capacity}` &&
          visible + v.server.othersSessions === v.server.used
        );
      },
      60_000,
      'the limited role\'s node to count hidden sessions as the server has them',
    );
    assert.ok(seen.server.othersSessions >= 2, 'at least the test-db monitor and the admin client belong to other roles');
    await screenshot(page, 'sessions-hidden');

    await admin.query(`GRANT pg_monitor TO ${ROLE}`);
    await eventually(
      async () => {
        const rows = await readTree(tree);
        const db = rows.find((r) => r.level === 1 && r.label === CONNECTION);
        const children = databaseChildren(rows, CONNECTION);
        const visible = children.filter((c) => c.level === 2).reduce((n, g) => n + Number(g.description), 0);
        return { description: db?.description ?? '', hidden: children.some((c) => c.label.includes('hidden')), visible, server: await serverView(admin as Client) };
      },
      (v) => !v.hidden && v.visible === v.server.used && v.description === `${v.server.used}/${v.server.capacity}`,
      60_000,
      'every session to be shown once the role has pg_monitor',
    );

    // Seeing is not signalling: a superuser's backend needs superuser, and the error says so.
    const victim = await openSessions(pg, 'e2e-hidden-superuser', ['idle']);
    try {
      const target = victim.sessions[0];
      assert.ok(target);
      await expand(exactRow(tree, 'idle', 2));
      const row = sessionRow(tree, target.pid).first();
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      await chooseForDialog(page, row, 'Terminate Backend');
      await clickDialogButton(page, 'Terminate Backend');
      await eventually(
        async () => page.locator('.notifications-toasts .notification-toast').allInnerTexts(),
        (texts) => texts.some((t) => t.includes(`Not permitted: backend ${target.pid} belongs to a superuser, and only a superuser may signal it.`)),
        30_000,
        'an error naming the role that is needed',
      );
      assert.equal((await serverSessions(admin, [target.pid])).length, 1, 'the superuser\'s session is still there');
      await screenshot(page, 'sessions-not-permitted');
    } finally {
      await victim.close();
    }

    await collapse(node);
    // The extra connection leaves the tree.
    await restoreSettings(async () => (await exactRow(tree, CONNECTION, 1).count()) === 0);
    restoreSettings = undefined;
  });
});
