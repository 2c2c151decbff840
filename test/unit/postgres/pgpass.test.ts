import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPgpassPassword, parsePgpass, pgpassFilePath, readPgpassPassword } from '../../../src/postgres/pgpass';

const target = { host: 'db.example.com', port: 5432, database: 'app', user: 'alice' };

describe('~/.pgpass', () => {
  it('the first matching line wins, with * matching any value', () => {
    const entries = parsePgpass(['# comment', 'other.host:5432:app:alice:nope', 'db.example.com:5432:app:alice:first', '*:*:*:alice:second'].join('\n'));
    assert.equal(findPgpassPassword(entries, target), 'first');
    assert.equal(findPgpassPassword(entries, { ...target, host: 'elsewhere' }), 'second');
    assert.equal(findPgpassPassword(entries, { ...target, user: 'bob' }), undefined);
  });

  it('matches the port as text and every field exactly', () => {
    const entries = parsePgpass('db.example.com:6543:app:alice:p6543\ndb.example.com:5432:App:alice:wrongcase\n');
    assert.equal(findPgpassPassword(entries, target), undefined);
    assert.equal(findPgpassPassword(entries, { ...target, port: 6543 }), 'p6543');
  });

  it('understands \\: and \\\\ escapes in every field, and an unescaped colon ends the password', () => {
    const entries = parsePgpass('db\\:odd:5432:app:al\\\\ice:pa\\:ss\\\\word:ignored');
    assert.equal(findPgpassPassword(entries, { ...target, host: 'db:odd', user: 'al\\ice' }), 'pa:ss\\word');
  });

  it('treats an escaped star as a literal star, not a wildcard', () => {
    const entries = parsePgpass('\\*:5432:app:alice:literal');
    assert.equal(findPgpassPassword(entries, target), undefined);
    assert.equal(findPgpassPassword(entries, { ...target, host: '*' }), 'literal');
  });

  it('skips blank, comment and incomplete lines and handles CRLF', () => {
    const entries = parsePgpass('\r\n# db.example.com:5432:app:alice:commented\r\ndb.example.com:5432:app\r\n*:*:*:*:crlf\r\n');
    assert.equal(entries.length, 1);
    assert.equal(findPgpassPassword(entries, target), 'crlf');
  });

  it('matches a Unix-socket connection against "localhost"', () => {
    const entries = parsePgpass('localhost:5432:app:alice:socket');
    assert.equal(findPgpassPassword(entries, { ...target, host: '/var/run/postgresql' }), 'socket');
  });

  describe('the file', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgpass-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('is ~/.pgpass unless PGPASSFILE names another', () => {
      assert.equal(pgpassFilePath({ env: {}, homedir: '/home/a', platform: 'linux' }), '/home/a/.pgpass');
      assert.equal(pgpassFilePath({ env: { PGPASSFILE: '/etc/pw' }, homedir: '/home/a', platform: 'linux' }), '/etc/pw');
      assert.equal(pgpassFilePath({ env: { APPDATA: 'C:\\AppData' }, homedir: 'C:\\Users\\a', platform: 'win32' }), path.join('C:\\AppData', 'postgresql', 'pgpass.conf'));
    });

    it('is read when only its owner may read it', async () => {
      fs.writeFileSync(path.join(dir, '.pgpass'), 'db.example.com:5432:app:alice:from-file\n', { mode: 0o600 });
      assert.equal(await readPgpassPassword(target, { env: {}, homedir: dir, platform: 'linux' }), 'from-file');
    });

    it('is ignored, with a warning, when group or others may read it (like libpq)', async function () {
      if (process.platform === 'win32') this.skip();
      const file = path.join(dir, 'open.pgpass');
      fs.writeFileSync(file, '*:*:*:*:leaked\n');
      fs.chmodSync(file, 0o644);
      const warnings: string[] = [];
      const password = await readPgpassPassword(target, { env: { PGPASSFILE: file }, homedir: dir, platform: 'linux', warn: (m) => warnings.push(m) });
      assert.equal(password, undefined);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', /group or world access/);
      assert.ok(!(warnings[0] ?? '').includes('leaked'));
    });

    it('a missing file simply yields no password', async () => {
      assert.equal(await readPgpassPassword(target, { env: {}, homedir: dir, platform: 'linux' }), undefined);
    });
  });
});
