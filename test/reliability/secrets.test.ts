// Scenario 7 — secrets. Passwords (distinctive ones, registered in support/evidence.ts) never appear in
// the log — as src/postgres writes it and as the output channel gets it after redact() — in node
// statuses, error and action messages, dashboard payloads, the webview's state and page, or the CLI's
// output. This file exercises the paths where a password is closest to the text (a password inside a
// connection string, reconnects, a wrong one) and then greps everything every scenario of this run
// captured. Runs last (files run in name order); run alone it still checks its own captures.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { redact } from '../../src/log';
import { resolveConnection } from '../../src/postgres/connectionOptions';
import { describeError, redactSecrets } from '../../src/postgres/errors';
import { MonitorManager } from '../../src/postgres/monitors';
import { SnapshotStore } from '../../src/postgres/store';
import { waitFor } from '../support/pgSessions';
import { isVersionAvailable, PgServer, startPostgres } from '../support/postgresServer';
import { CHROMIUM, openWebviewHarness } from '../unit/dashboard/webviewHarness';
import { capture, capturedTexts, captureStore, leaks, registerSecret, report, STRING_PASSWORD } from './support/evidence';
import { extensionLog, outputChannelLines } from './support/extensionLog';
import { asSuperuser, createLoginRole } from './support/roles';

const SCENARIO = '7 secrets';
const WRONG_IN_STRING = 'wrong-RELSECRET-in-string';
registerSecret(WRONG_IN_STRING);

describe('reliability 7: secrets', function () {
  this.timeout(60_000);
  let server: PgServer | undefined;
  let manager: MonitorManager | undefined;

  before(async function () {
    if (!isVersionAvailable('default')) this.skip();
    server = await startPostgres();
    await createLoginRole(server, 'sec_url', STRING_PASSWORD, ['pg_monitor']);
  });

  after(async () => {
    await manager?.dispose();
    await server?.stop();
  });

  it('redact() removes every password shape from log lines and error texts', () => {
    const pw = 'Qz-RELSECRET-redact';
    registerSecret(pw);
    const shapes = [
      `postgresql://u:${pw}@h:5432/db`,
      `postgres://u:p@ss/${pw}@h/db`,
      `POSTGRESQL://u:${encodeURIComponent(pw)}@[::1]:5432/db?sslmode=require`,
      `postgresql://u@h/db?sslmode=disable&password=${pw}&x=1`,
      `host=h password=${pw} user=u`,
      `host=h password = '${pw} with spaces' user=u`,
      `host=h password='it\\'s ${pw}' user=u`,
      `PGPASSWORD=${pw} psql`,
      `{"password":"${pw}"}`,
      `{ "password": "${pw}", "host": "h" }`,
      `password: ${pw}`,
      `Password=${pw};Host=h`,
      `Pwd=${pw}`,
    ];
    const redacted = shapes.flatMap((shape) => [redact(shape), redactSecrets(shape), describeError(new Error(`connect failed for ${shape}`)).message]);
    for (const text of redacted) capture('redacted', text);
    assert.deepEqual(leaks(redacted.map((text) => ({ source: 'redacted', text }))), []);
  });

  it('a password inside a connection string reaches no status, log line, payload or webview, through reconnects and failures', async () => {
    const s = server as PgServer;
    const store = new SnapshotStore();
    captureStore(store, SCENARIO);
    const log = extensionLog(SCENARIO);
    const enc = encodeURIComponent(STRING_PASSWORD);
    const warnings: string[] = [];
    manager = new MonitorManager({
      store,
      intervalMs: 100,
      passwordsFor: () => ({ env: {}, homedir: '/nonexistent', warn: (m) => warnings.push(m) }),
      monitorOptions: { backoff: { initialMs: 50, maxMs: 400 } },
      log,
    });
    manager.configure([
      { name: 'uri', connectionString: `postgresql://sec_url:${enc}@127.0.0.1:${s.port}/postgres?sslmode=disable&schema=public` },
      { name: 'keywords', connectionString: `host=127.0.0.1 port=${s.port} dbname=postgres user=sec_url sslmode=disable password='${STRING_PASSWORD.replace(/'/g, "\\'")}'` },
      { name: 'wrong', connectionString: `postgresql://sec_url:${WRONG_IN_STRING}@127.0.0.1:${s.port}/postgres?sslmode=disable` },
    ]);
    for (const name of ['uri', 'keywords', 'wrong']) manager.lease(name, 'tree');
    await waitFor('both good connections live', () => store.get('uri')?.snapshot && store.get('keywords')?.snapshot);
    await waitFor('the wrong password failed', () => store.get('wrong')?.status.kind === 'failed');
    // The connection string says it carries a password (the UI offers to move it to SecretStorage).
    assert.equal((await resolveConnection({ name: 'uri', connectionString: `postgresql://sec_url:${enc}@h/db` })).passwordInConnectionString, true);
    // Reconnects log the target again: still without the password.
    for (let i = 0; i < 3; i++) {
      const pid = manager.monitor('uri')?.monitorPid;
      await asSuperuser(s, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      await waitFor('the monitor back', () => manager?.monitor('uri')?.isConnected && manager.monitor('uri')?.monitorPid !== pid);
    }
    for (const w of warnings) capture(`warning:${SCENARIO}`, w);
    const payloads = ['uri', 'keywords', 'wrong'].map((name) => JSON.stringify(buildDashboardPayload(store.get(name) ?? assert.fail(name))));
    for (const p of payloads) capture('dashboardPayload', p);
    assert.match(JSON.stringify(store.get('wrong')?.status), /Wrong password/);
    assert.ok(log.raw.some((l) => /connected to sec_url@127\.0\.0\.1:\d+\/postgres/.test(l)));

    if (fs.existsSync(CHROMIUM)) {
      const harness = await openWebviewHarness();
      try {
        for (const name of ['uri', 'wrong']) {
          await harness.send({ type: 'state', payload: buildDashboardPayload(store.get(name) ?? assert.fail()) });
          await harness.page.waitForTimeout(200);
          capture('webviewHtml', await harness.page.content());
          capture('webviewState', JSON.stringify(await harness.page.evaluate('window.__state')));
          capture('webviewPosted', JSON.stringify(await harness.posted()));
        }
      } finally {
        await harness.close();
      }
    }
    const own = capturedTexts().filter((c) => c.source.includes(SCENARIO) || c.source.startsWith('webview') || c.source === 'dashboardPayload');
    assert.deepEqual(leaks(own), []);
  });

  it('nothing any scenario captured contains a password', () => {
    const all = [...capturedTexts(), ...outputChannelLines().map((text) => ({ source: 'outputChannel', text }))];
    const bySource: Record<string, number> = {};
    for (const c of all) {
      const kind = c.source.split(':')[0] ?? c.source;
      bySource[kind] = (bySource[kind] ?? 0) + 1;
    }
    report(SCENARIO, 'texts grepped for passwords (by kind)', bySource);
    report(SCENARIO, 'texts containing a password or an 8-character piece of one', leaks(all).length);
    assert.ok(all.length > 20, `${all.length} texts captured`);
    assert.deepEqual(leaks(all), []);
  });
});
