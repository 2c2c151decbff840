import * as assert from 'node:assert/strict';
import {
  ConnectionConfigError,
  connectionStringHasPassword,
  parseConnectionString,
  removePasswordFromConnectionString,
} from '../../../src/postgres/connectionString';

describe('connection strings', () => {
  it('reads a postgresql:// URI with percent-encoding and parameters', () => {
    const parsed = parseConnectionString('postgresql://al%40ice:p%2Fw@db.example.com:6543/my%20db?sslmode=verify-full&sslrootcert=/ca.pem&schema=public');
    assert.equal(parsed.user, 'al@ice');
    assert.equal(parsed.password, 'p/w');
    assert.equal(parsed.host, 'db.example.com');
    assert.equal(parsed.port, 6543);
    assert.equal(parsed.database, 'my db');
    assert.equal(parsed.sslMode, 'verify-full');
    assert.equal(parsed.sslRootCert, '/ca.pem');
    assert.deepEqual(parsed.ignoredParameters, ['schema']);
  });

  it('reads IPv6 hosts and the postgres:// scheme', () => {
    const parsed = parseConnectionString('postgres://[::1]:5433/app');
    assert.equal(parsed.host, '::1');
    assert.equal(parsed.port, 5433);
    assert.equal(parsed.password, undefined);
  });

  it("reads libpq's key=value form with quoting", () => {
    const parsed = parseConnectionString("host=localhost port=5432 dbname='my app' user=bob password='it\\'s'");
    assert.equal(parsed.host, 'localhost');
    assert.equal(parsed.database, 'my app');
    assert.equal(parsed.password, "it's");
  });

  for (const [input, message] of [
    ['', /empty/],
    ['mysql://db/app', /must start with postgresql:\/\//],
    ['postgresql://h:99999/db', /port/],
    ['postgresql://h1,h2/db', /several hosts/],
    ['postgresql://u:p@h/db?sslmode=sometimes', /sslmode must be one of/],
    ['just some words', /not valid/],
    ["host='unclosed", /not closed/],
  ] as const) {
    it(`rejects ${JSON.stringify(input)} with a clear message`, () => {
      assert.throws(() => parseConnectionString(input), (error: unknown) => error instanceof ConnectionConfigError && message.test(error.message));
    });
  }

  it('never echoes a password in its errors', () => {
    assert.throws(
      () => parseConnectionString('postgresql://u:hunter2@h:notaport/db'),
      (error: unknown) => error instanceof ConnectionConfigError && !error.message.includes('hunter2'),
    );
  });

  it('detects an embedded password so the UI can offer to move it', () => {
    assert.equal(connectionStringHasPassword('postgresql://u:secret@h/db'), true);
    assert.equal(connectionStringHasPassword('postgresql://u@h/db?password=secret'), true);
    assert.equal(connectionStringHasPassword('host=h password=secret'), true);
    assert.equal(connectionStringHasPassword('postgresql://u@h/db'), false);
    assert.equal(connectionStringHasPassword('postgresql://u:secret@h:bad/db'), true);
  });

  it('removes the password and keeps the rest', () => {
    assert.equal(removePasswordFromConnectionString('postgresql://u:secret@h:5432/db?sslmode=require'), 'postgresql://u@h:5432/db?sslmode=require');
    assert.equal(removePasswordFromConnectionString("host=h password=secret dbname='a b'"), "host=h dbname='a b'");
  });
});
