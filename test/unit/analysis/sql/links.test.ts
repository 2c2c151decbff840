// A session whose last query comes from a function with a leak finding is linked to that finding;
// one from a function without one, or that two functions send alike, is not.
import * as assert from 'node:assert/strict';
import { analyzeWorkspace, type Finding } from '../../../../src/analysis/analyzer';
import { holdsIdle, leakLink } from '../../../../src/analysis/sql/links';
import { SqlIndex } from '../../../../src/analysis/sql/sqlIndex';

const JOB = `async function sendReminders(pool) {
  const client = await pool.connect();
  const { rows } = await client.query('SELECT id FROM invoices WHERE NOT paid');
  if (rows.length === 0) return 0;
  await client.query('UPDATE invoices SET reminded_at = now() WHERE id = $1', [rows[0].id]);
  client.release();
  return rows.length;
}

async function paid(pool, id) {
  const client = await pool.connect();
  try {
    return await client.query('SELECT paid FROM invoices WHERE id = $1', [id]);
  } finally {
    client.release();
  }
}

async function audit(pool) {
  await pool.query('SELECT id FROM audit_log WHERE seen = false');
}
`;
const OTHER = `async function auditToo(pool) {
  await pool.query('SELECT id FROM audit_log WHERE seen = false');
}
`;

describe('sessions linked to leaks', () => {
  let index: SqlIndex;
  const findings = new Map<string, Finding[]>();
  before(async () => {
    const results = await analyzeWorkspace(
      [
        { path: 'jobs/invoice-job.js', text: JOB, language: 'javascript' },
        { path: 'jobs/other.js', text: OTHER, language: 'javascript' },
      ],
      { sqlSites: true },
    );
    index = new SqlIndex();
    for (const r of results) {
      index.setFile(r.path, r.sql ?? []);
      findings.set(r.path, r.findings);
    }
  });
  const linkOf = (query: string, withFindings = findings) => leakLink(index.match(query, { limit: 2 }), (file) => withFindings.get(file) ?? []);

  it("links the leaking function's queries to its finding, at the line that sent them", () => {
    const link = linkOf('SELECT id FROM invoices WHERE NOT paid');
    assert.equal(link?.file, 'jobs/invoice-job.js');
    assert.equal(link?.line, 2);
    assert.equal(link?.functionName, 'sendReminders');
    assert.equal(link?.finding.rule, 'release-not-guaranteed');
    assert.equal(linkOf('UPDATE invoices SET reminded_at = now() WHERE id = 42')?.finding.range.startLine, 1, "psycopg-style constants too; the finding is at the acquire");
  });

  it('does not link a query from a function that releases in finally', () => {
    assert.equal(linkOf('SELECT paid FROM invoices WHERE id = $1'), undefined);
  });

  it('does not link a query two functions send alike', () => {
    assert.equal(index.match('SELECT id FROM audit_log WHERE seen = false').length, 2);
    assert.equal(linkOf('SELECT id FROM audit_log WHERE seen = false'), undefined);
  });

  it('does not link to a finding a pg-health-disable comment silenced', () => {
    const silenced = new Map([...findings].map(([file, list]) => [file, list.map((f) => ({ ...f, suppressed: true }))]));
    assert.equal(linkOf('SELECT id FROM invoices WHERE NOT paid', silenced), undefined);
  });

  it('looks only at sessions that hold their connection idle', () => {
    assert.deepEqual(['idle', 'idle in transaction', 'idle in transaction (aborted)', 'active', null].map(holdsIdle), [true, true, true, false, false]);
  });
});
