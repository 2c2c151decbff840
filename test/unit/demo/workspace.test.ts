// The demo workspace shows off the analyser (issue 17): one leak per rule in every language it
// reads, the invoice job the demo runs among them, and no finding on the code that is written well.
// Checked with the compiled `pg-health check`, as CI would run it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/paths';

interface Finding {
  file: string;
  line: number;
  rule: string;
}

const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const LANGUAGES: Record<string, string> = { '.js': 'JavaScript', '.ts': 'TypeScript', '.py': 'Python', '.go': 'Go', '.java': 'Java', '.cs': 'C#' };

function check(): Promise<{ code: number; findings: Finding[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'check', 'demo/workspace', '--format', 'json'], { cwd: repoRoot }, (error, stdout) => {
      try {
        resolve({ code: error ? Number(error.code) : 0, findings: (JSON.parse(stdout) as { findings: Finding[] }).findings });
      } catch (err) {
        reject(new Error(`pg-health check gave no JSON (${String(err)}): ${stdout}`));
      }
    });
  });
}

describe('demo workspace', function () {
  this.timeout(60_000);

  it('has a leak for every rule in JavaScript, TypeScript and Python, and one file each in Go, Java and C# (with-does-not-release is Python only; a second release is harmless in Go, JDBC and Npgsql)', async () => {
    const { code, findings } = await check();
    assert.equal(code, 1);
    const seen = new Set(findings.map((f) => `${LANGUAGES[path.extname(f.file)] ?? f.file} ${f.rule}`));
    const rules = ['unreleased-client', 'release-not-guaranteed', 'double-release', 'use-after-release'];
    const expected = [
      ...['JavaScript', 'TypeScript', 'Python'].flatMap((language) => rules.map((rule) => `${language} ${rule}`)),
      'Java unreleased-client',
      'Java release-not-guaranteed',
      'Java use-after-release',
      'Python with-does-not-release',
      'Go unreleased-client',
      'Go release-not-guaranteed',
      'Go use-after-release',
      'C# unreleased-client',
      'C# release-not-guaranteed',
    ];
    assert.deepEqual([...seen].sort(), expected.sort());
  });

  it("reports the invoice job's leak, the one the demo runs, at its acquire", async () => {
    const { findings } = await check();
    const job = findings.filter((f) => f.file.endsWith(path.join('jobs', 'invoice-job.js')));
    assert.deepEqual(job.map((f) => [f.rule, f.line]), [['release-not-guaranteed', 8]]);
  });

  it('says nothing about the functions written well', async () => {
    const { findings } = await check();
    // The safe examples close their files: placeOrder (orders.ts), overdue (billing.py), unpaid_total (exports.py).
    const safe: [string, string][] = [
      ['demo/workspace/src/orders.ts', 'export async function placeOrder('],
      ['demo/workspace/jobs/billing.py', 'def overdue('],
      ['demo/workspace/jobs/exports.py', 'async def unpaid_total('],
      ['demo/workspace/services/stock.go', 'func Quantity('],
      ['demo/workspace/services/Invoices.java', '    public String customer('],
      ['demo/workspace/services/Payments.cs', '    public async Task<decimal> Total('],
    ];
    for (const [file, start] of safe) {
      const from = fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n').findIndex((line) => line.startsWith(start)) + 1;
      assert.ok(from > 0, `${start} in ${file}`);
      const inside = findings.filter((f) => path.normalize(f.file) === path.normalize(file) && f.line >= from);
      assert.deepEqual(inside, [], `${file} from line ${from}`);
    }
  });
});
