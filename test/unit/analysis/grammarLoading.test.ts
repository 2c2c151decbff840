// Each grammar is read only when a file of its language is analysed: C#'s is 5 MB of WebAssembly, and a
// JavaScript project must not pay for it. Checked in a fresh process, where nothing is loaded yet.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const analysisDir = path.join(__dirname, '..', '..', '..', 'src', 'analysis');

function loadedAfter(files: { path: string; text: string; language: string }[]): string[] {
  const script = `
    const { analyzeWorkspace } = require(${JSON.stringify(path.join(analysisDir, 'analyzer'))});
    const { loadedGrammars } = require(${JSON.stringify(path.join(analysisDir, 'treeSitter'))});
    analyzeWorkspace(${JSON.stringify(files)}).then(() => process.stdout.write(JSON.stringify(loadedGrammars())));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

const ACQUIRES: Record<string, string> = {
  javascript: 'async function f(pool) { const c = await pool.connect(); await c.query("SELECT 1"); }',
  python: 'def f(pool):\n    conn = pool.getconn()\n    conn.cursor().execute("SELECT 1")\n',
  go: 'package p\nfunc f(ctx context.Context, pool *pgxpool.Pool) error {\n\tconn, err := pool.Acquire(ctx)\n\treturn err\n}\n',
  java: 'class A { void f(javax.sql.DataSource ds) throws Exception { var c = ds.getConnection(); } }',
  csharp: 'class A { void F(NpgsqlDataSource dataSource) { var c = dataSource.OpenConnection(); } }',
};

describe('grammars load with the first file of their language', function () {
  this.timeout(60_000);

  it('a JavaScript and a Python file load their grammars only', () => {
    assert.deepEqual(
      loadedAfter([
        { path: 'a.js', text: ACQUIRES.javascript as string, language: 'javascript' },
        { path: 'a.py', text: ACQUIRES.python as string, language: 'python' },
      ]),
      ['javascript', 'python'],
    );
  });

  it('a Go, a Java and a C# file load theirs', () => {
    assert.deepEqual(loadedAfter([{ path: 'a.go', text: ACQUIRES.go as string, language: 'go' }]), ['go']);
    assert.deepEqual(loadedAfter([{ path: 'A.java', text: ACQUIRES.java as string, language: 'java' }]), ['java']);
    assert.deepEqual(loadedAfter([{ path: 'A.cs', text: ACQUIRES.csharp as string, language: 'csharp' }]), ['c-sharp']);
  });
});
