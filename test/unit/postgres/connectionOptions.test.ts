import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClientConfig } from 'pg';
import { ConnectionConfigError } from '../../../src/postgres/connectionString';
import { PasswordMissingError, PasswordSources, resolveConnection } from '../../../src/postgres/connectionOptions';

async function passwordOf(config: ClientConfig | undefined): Promise<string> {
  const password = config?.password;
  assert.equal(typeof password, 'function', 'pg gets a password function, never a string');
  return (password as () => Promise<string>)();
}

describe('connection options', () => {
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-home-'));
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
  });

  const sources = (extra: PasswordSources = {}): PasswordSources => ({ env: {}, homedir: home, ...extra });

  it('sends no application_name (a pooler would pass it on), sets keepalives and a connect timeout', async () => {
    const resolved = await resolveConnection({ name: 'a', host: 'db', port: 5433, database: 'app', user: 'u', ssl: 'disable' }, sources());
    assert.equal(resolved.attempts.length, 1);
    const config = resolved.attempts[0];
    assert.equal(config?.application_name, undefined);
    assert.equal(config?.keepAlive, true);
    assert.equal(config?.connectionTimeoutMillis, 10_000);
    assert.equal(config?.ssl, false);
    assert.deepEqual(resolved.target, { host: 'db', port: 5433, database: 'app', user: 'u', sslMode: 'disable' });
  });

  it('fills what the entry leaves out from PGHOST, PGPORT, PGUSER and PGDATABASE', async () => {
    const resolved = await resolveConnection({ name: 'a' }, sources({ env: { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGDATABASE: 'envdb' } }));
    assert.deepEqual(resolved.target, { host: 'envhost', port: 6000, database: 'envdb', user: 'envuser', sslMode: 'prefer' });
  });

  it("lets the entry's fields win over its connection string", async () => {
    const resolved = await resolveConnection({ name: 'a', connectionString: 'postgresql://s@shost:1111/sdb', database: 'override' }, sources());
    assert.deepEqual(resolved.target, { host: 'shost', port: 1111, database: 'override', user: 's', sslMode: 'prefer' });
    assert.equal(resolved.passwordInConnectionString, false);
  });

  it('asks for the password in order: connection string, secret storage, PGPASSWORD, ~/.pgpass', async () => {
    fs.writeFileSync(path.join(home, '.pgpass'), 'h:5432:d:u:from-pgpass\n', { mode: 0o600 });
    const base = { name: 'a', host: 'h', port: 5432, database: 'd', user: 'u', ssl: 'disable' as const };
    const withEnv = sources({ env: { PGPASSWORD: 'from-env' } });
    assert.equal(await passwordOf((await resolveConnection(base, sources())).attempts[0]), 'from-pgpass');
    assert.equal(await passwordOf((await resolveConnection(base, withEnv)).attempts[0]), 'from-env');
    assert.equal(await passwordOf((await resolveConnection(base, { ...withEnv, secretPassword: async () => 'from-secret' })).attempts[0]), 'from-secret');
    const inString = await resolveConnection({ name: 'a', connectionString: 'postgresql://u:from-string@h/d', ssl: 'disable' }, { ...withEnv, secretPassword: () => 'from-secret' });
    assert.equal(inString.passwordInConnectionString, true);
    assert.equal(await passwordOf(inString.attempts[0]), 'from-string');
  });

  it('says where passwords come from when there is none', async () => {
    const resolved = await resolveConnection({ name: 'a', host: 'h', user: 'u', database: 'd', ssl: 'disable' }, sources());
    await assert.rejects(passwordOf(resolved.attempts[0]), (error: unknown) => error instanceof PasswordMissingError && /pgpass/.test(error.message));
  });

  it('sslmode prefer tries TLS without verification first, then plain', async () => {
    const resolved = await resolveConnection({ name: 'a', host: 'h' }, sources());
    assert.equal(resolved.attempts.length, 2);
    assert.deepEqual(resolved.attempts[0]?.ssl, { rejectUnauthorized: false });
    assert.equal(resolved.attempts[1]?.ssl, false);
  });

  it('sslmode require encrypts without verifying; verify-full verifies with the CA file', async () => {
    const require = await resolveConnection({ name: 'a', host: 'h', ssl: 'require' }, sources());
    assert.deepEqual(require.attempts.map((a) => a.ssl), [{ rejectUnauthorized: false }]);
    const ca = path.join(home, 'root.crt');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const full = await resolveConnection({ name: 'a', host: 'h', ssl: 'verify-full', sslRootCert: ca }, sources());
    assert.equal(full.attempts.length, 1);
    const tls = full.attempts[0]?.ssl;
    assert.ok(typeof tls === 'object');
    assert.equal(tls.rejectUnauthorized, true);
    assert.equal(tls.ca, '-----BEGIN CERTIFICATE-----\n');
  });

  it('a CA file that does not exist is a clear configuration error', async () => {
    await assert.rejects(
      resolveConnection({ name: 'a', host: 'h', ssl: 'verify-full', sslRootCert: path.join(home, 'missing.crt') }, sources()),
      (error: unknown) => error instanceof ConnectionConfigError && /CA file .*missing\.crt does not exist/.test(error.message),
    );
  });

  it('rejects an out-of-range port in the entry', async () => {
    await assert.rejects(resolveConnection({ name: 'a', host: 'h', port: 70000 }, sources()), ConnectionConfigError);
  });
});
