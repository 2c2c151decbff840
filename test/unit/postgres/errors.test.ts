import * as assert from 'node:assert/strict';
import { ConnectionConfigError } from '../../../src/postgres/connectionString';
import { describeError, ErrorKind } from '../../../src/postgres/errors';

function pgError(code: string, message: string, detail?: string): Error {
  return Object.assign(new Error(message), { code, ...(detail ? { detail } : {}) });
}

describe('errors in words', () => {
  const cases: Array<[string, unknown, ErrorKind, RegExp, boolean]> = [
    ['28P01', pgError('28P01', 'password authentication failed for user "app"'), 'wrong-password', /wrong password/i, true],
    ['28000 role', pgError('28000', 'role "ghost" does not exist'), 'role-missing', /role missing/i, true],
    ['28000 hba no encryption', pgError('28000', 'no pg_hba.conf entry for host "10.0.0.1", user "u", database "d", no encryption'), 'tls-required', /TLS/, true],
    ['3D000', pgError('3D000', 'database "nope" does not exist'), 'database-missing', /database missing/i, true],
    ['53300', pgError('53300', 'sorry, too many clients already'), 'too-many-clients', /too many clients/i, false],
    ['53300 reserved', pgError('53300', 'remaining connection slots are reserved for roles with the SUPERUSER attribute'), 'too-many-clients', /reserved/, false],
    ['53400', pgError('53400', 'too many connections for role "u"'), 'too-many-clients', /too many clients/i, false],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unreachable', /not reachable/i, false],
    ['ENOTFOUND', Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' }), 'unreachable', /unknown host/, false],
    ['AggregateError', Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), {}), 'unreachable', /not reachable/i, false],
    ['EHOSTUNREACH', Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), 'unreachable', /not reachable/i, false],
    ['connect timeout', new Error('Connection terminated due to connection timeout'), 'unreachable', /not reachable/i, false],
    ['no SSL', new Error('The server does not support SSL connections'), 'tls-unsupported', /does not support TLS/, true],
    ['cert', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls-verify-failed', /certificate/, true],
    ['statement timeout', pgError('57014', 'canceling statement due to statement timeout'), 'statement-timeout', /statement timeout/, false],
    ['57P01', pgError('57P01', 'terminating connection due to administrator command'), 'terminated-by-admin', /terminated/, false],
    ['57P03', pgError('57P03', 'the database system is starting up'), 'server-starting', /starting up/, false],
    ['lost', new Error('Connection terminated unexpectedly'), 'connection-lost', /lost/, false],
    ['config', new ConnectionConfigError('The port in the connection string must be a number from 1 to 65535.'), 'malformed-config', /port/, true],
    ['CA', new ConnectionConfigError('The CA file (sslRootCert) /x.crt does not exist.'), 'ca-file-missing', /CA file/, true],
  ];
  for (const [name, error, kind, words, permanent] of cases) {
    it(`${name} → ${kind}`, () => {
      const described = describeError(error);
      assert.equal(described.kind, kind);
      assert.match(described.message, words);
      assert.equal(described.permanent, permanent);
    });
  }

  it('names the role needed when terminating is not permitted', () => {
    const described = describeError(
      pgError('42501', 'permission denied to terminate process', 'Only roles with privileges of the "pg_signal_backend" role may terminate this process.'),
    );
    assert.equal(described.kind, 'permission-denied');
    assert.match(described.message, /pg_signal_backend/);
  });

  it('never repeats a password found in an unexpected message', () => {
    const described = describeError(new Error('could not use postgresql://me:hunter2@host/db nor password=hunter2'));
    assert.ok(!described.message.includes('hunter2'), described.message);
  });
});
