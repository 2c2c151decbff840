// The Go fix, text for text: `defer` after the error check, the hand-made releases gone, a
// transaction's commit kept; and where no fix is offered (a loop, a hand-over).
import * as assert from 'node:assert/strict';
import { analyzeText, applyEdits, fixesFor } from '../../../src/analysis/analyzer';

async function fixed(source: string): Promise<string | undefined> {
  const findings = await analyzeText(source, 'go');
  const fixes = await fixesFor(source, 'go', findings);
  const first = fixes[0]?.[0];
  return first ? applyEdits(source, first.edits) : undefined;
}

const header = 'package store\n\nimport (\n\t"context"\n\t"database/sql"\n\n\t"github.com/jackc/pgx/v4/pgxpool"\n)\n\n';

describe('Go fixes', () => {
  it('pgx: `defer conn.Release()` after the error check, and the release on the success path removed', async () => {
    const source = `${header}func f(ctx context.Context, pool *pgxpool.Pool) error {
\tconn, err := pool.Acquire(ctx)
\tif err != nil {
\t\treturn err
\t}
\tif _, err := conn.Exec(ctx, "select 1"); err != nil {
\t\treturn err
\t}
\tconn.Release()
\treturn nil
}
`;
    assert.equal(
      await fixed(source),
      `${header}func f(ctx context.Context, pool *pgxpool.Pool) error {
\tconn, err := pool.Acquire(ctx)
\tif err != nil {
\t\treturn err
\t}
\tdefer conn.Release()
\tif _, err := conn.Exec(ctx, "select 1"); err != nil {
\t\treturn err
\t}
\treturn nil
}
`,
    );
  });

  it('database/sql transaction: `defer tx.Rollback()` as the code calls Commit, and the commit kept', async () => {
    const source = `${header}func f(ctx context.Context, db *sql.DB) error {
\ttx, err := db.BeginTx(ctx, nil)
\tif err != nil {
\t\treturn err
\t}
\tif _, err := tx.ExecContext(ctx, "insert into t values (1)"); err != nil {
\t\treturn err
\t}
\treturn tx.Commit()
}
`;
    const out = await fixed(source);
    assert.ok(out?.includes('\t}\n\tdefer tx.Rollback()\n\tif _, err := tx.ExecContext'), out);
    assert.ok(out?.includes('return tx.Commit()'));
    assert.deepEqual(await analyzeText(out as string, 'go'), []);
  });

  it('rows: `defer rows.Close()`, the close after the loop removed, rows.Err() kept', async () => {
    const source = `${header}func f(db *sql.DB) error {
\trows, err := db.Query("select 1")
\tif err != nil {
\t\treturn err
\t}
\tfor rows.Next() {
\t\tvar n int
\t\tif err := rows.Scan(&n); err != nil {
\t\t\treturn err
\t\t}
\t}
\trows.Close()
\treturn rows.Err()
}
`;
    const out = await fixed(source);
    assert.ok(out?.includes('\tdefer rows.Close()\n\tfor rows.Next()'), out);
    assert.ok(!out?.includes('\trows.Close()\n\treturn'), out);
    assert.deepEqual(await analyzeText(out as string, 'go'), []);
  });

  it('offers no fix in a loop (a defer would hold every iteration\'s connection to the end) or for a connection handed over', async () => {
    const loop = `${header}func f(ctx context.Context, pool *pgxpool.Pool) error {
\tfor i := 0; i < 3; i++ {
\t\tconn, err := pool.Acquire(ctx)
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\tif _, err := conn.Exec(ctx, "select 1"); err != nil {
\t\t\tcontinue
\t\t}
\t\tconn.Release()
\t}
\treturn nil
}
`;
    const findings = await analyzeText(loop, 'go');
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.fixable, false);
    const handed = `${header}func f(ctx context.Context, pool *pgxpool.Pool, ok bool) (*pgxpool.Conn, error) {
\tconn, err := pool.Acquire(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\tif !ok {
\t\treturn nil, nil
\t}
\treturn conn, nil
}
`;
    const handedFindings = await analyzeText(handed, 'go');
    assert.equal(handedFindings.length, 1, 'the path that drops it leaks');
    assert.equal(handedFindings[0]?.fixable, false);
  });
});

describe('Go shapes from real code (pgx, lib/pq sources)', () => {
  it('a conversion `(*connRow)(rows.(*connRows))` hands the rows over like `rows` itself', async () => {
    const source = `${header}func (br *batch) QueryRow() Row {
\trows, _ := br.Query()
\treturn (*connRow)(rows.(*connRows))
}
`;
    assert.deepEqual(await analyzeText(source, 'go'), []);
  });

  it('rows with several result sets stay open when Next() ends one', async () => {
    const source = `${header}func f(db *sql.DB) error {
\trows, err := db.Query("select 1; select 2")
\tif err != nil {
\t\treturn err
\t}
\tdefer rows.Close()
\tfor rows.Next() {
\t}
\tif !rows.NextResultSet() {
\t\treturn rows.Err()
\t}
\tfor rows.Next() {
\t}
\treturn nil
}
`;
    assert.deepEqual(await analyzeText(source, 'go'), []);
  });

  it('names a variable declared again in an inner block as the code does', async () => {
    const source = `${header}func f(ctx context.Context, db *sql.DB) error {
\tconn, err := db.Conn(ctx)
\tif err != nil {
\t\treturn err
\t}
\tdefer conn.Close()
\tif true {
\t\tconn, err := db.Conn(ctx)
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\t_ = conn
\t}
\treturn nil
}
`;
    const findings = await analyzeText(source, 'go');
    assert.equal(findings.length, 1);
    assert.match(findings[0]?.message ?? '', /^`conn` from `db\.Conn\(\)` on line 17 is never released: no path calls `conn\.Close\(\)`/);
  });
});
