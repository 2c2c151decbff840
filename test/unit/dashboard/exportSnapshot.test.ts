import * as assert from 'node:assert/strict';
import { csvCell, exportFileName, sessionsToCsv, snapshotToJson } from '../../../src/dashboard/exportSnapshot';
import { session, snapshot } from './snapshotFixtures';

describe('dashboard export', () => {
  it('quotes cells with quotes, commas and line breaks (RFC 4180)', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('line1\nline2'), '"line1\nline2"');
    assert.equal(csvCell('cr\rlf'), '"cr\rlf"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(-12), '-12');
    assert.equal(csvCell(true), 'true');
  });

  it('defuses cells a spreadsheet would run as a formula', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tx'), "'\tx");
  });

  it('writes one row per session under a header, CRLF line ends', () => {
    const snap = snapshot([
      session({ pid: 11, application: '=cmd|calc', query: 'SELECT \'a,b\'\nFROM "t"' }),
      session({ pid: 12, application: null, blockedBy: [11, 13] }),
    ]);
    const csv = sessionsToCsv(snap);
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 4, 'header, two rows, and the final empty string');
    assert.equal(lines[3], '');
    assert.ok(lines[0]?.startsWith('pid,backend_start,usename,datname,application_name,'));
    assert.ok(lines[1]?.startsWith('11,'));
    assert.ok(lines[1]?.includes(",'=cmd|calc,"));
    assert.ok(lines[1]?.endsWith('"SELECT \'a,b\'\nFROM ""t"""'));
    assert.ok(lines[2]?.includes(',11 13,'));
  });

  it('exports the snapshot as JSON that reads back equal', () => {
    const snap = snapshot([session({ application: '<script>alert(1)</script>' })]);
    assert.deepEqual(JSON.parse(snapshotToJson(snap)), snap);
  });

  it('names the file after the connection and time, without path characters', () => {
    const snap = snapshot([], { connection: '../prod db/x' });
    assert.equal(exportFileName(snap, 'csv'), 'prod_db_x-sessions-2025-03-04T10-00-00-000Z.csv');
    assert.equal(exportFileName(snapshot([]), 'json'), 'shop-prod-2025-03-04T10-00-00-000Z.json');
  });
});
