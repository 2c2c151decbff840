import * as assert from 'node:assert/strict';
import { isVersionAvailable, PostgresVersion, startPostgres } from '../../support/postgresServer';

describe('test PostgreSQL servers', () => {
  const versions: PostgresVersion[] = ['default', '14', '12', 'debian'];
  for (const version of versions) {
    it(`starts PostgreSQL (${version}) on loopback with the requested max_connections, and stops it`, async function () {
      if (!isVersionAvailable(version)) {
        // Reported as pending, never as passed.
        this.skip();
      }
      const server = await startPostgres({ version, maxConnections: 17 });
      try {
        const client = await server.connect();
        const { rows } = await client.query<{ max: string; addr: string }>(
          "SELECT current_setting('max_connections') AS max, inet_server_addr()::text AS addr",
        );
        await client.end();
        assert.equal(rows[0]?.max, '17');
        assert.equal(rows[0]?.addr, '127.0.0.1/32');
      } finally {
        await server.stop();
      }
    });
  }
});
