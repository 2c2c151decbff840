// Go shapes taken from public repositories (bench/wild/*-go.tsv), reduced to a few lines each: what the
// analyser got wrong on code we did not write, and what it must keep finding.
import * as assert from 'node:assert/strict';
import { analyzeText, fixesFor } from '../../../src/analysis/analyzer';

const header = (imports = '"context"\n\t"database/sql"\n\n\t"github.com/jackc/pgx/v5"\n\t"github.com/jackc/pgx/v5/pgxpool"'): string => `package store\n\nimport (\n\t${imports}\n)\n\n`;

/** `line rule` for each finding, 1-based lines. */
async function findings(source: string): Promise<string[]> {
  return (await analyzeText(source, 'go')).map((f) => `${f.range.startLine + 1} ${f.rule}`);
}

async function messages(source: string): Promise<string[]> {
  return (await analyzeText(source, 'go')).map((f) => f.message);
}

describe('Go on code we did not write (reduced shapes)', () => {
  it("pgx's collectors close the rows they are given, generic or not, also through a helper of the file", async () => {
    const source = `${header()}func names(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
\trows, err := pool.Query(ctx, "select name from t")
\tif err != nil {
\t\treturn nil, err
\t}
\treturn pgx.CollectRows(rows, pgx.RowTo[string])
}

type item struct{ ID int }

func items(ctx context.Context, pool *pgxpool.Pool) ([]item, error) {
\trows, err := pool.Query(ctx, "select id from t")
\tif err != nil {
\t\treturn nil, err
\t}
\treturn pgx.CollectRows[item](rows, pgx.RowToStructByName[item])
}

func collect(rows pgx.Rows) error {
\t_, err := pgx.CollectRows(rows, pgx.RowTo[int])
\treturn err
}

func viaHelper(ctx context.Context, pool *pgxpool.Pool) error {
\trows, err := pool.Query(ctx, "select 1")
\tif err != nil {
\t\treturn err
\t}
\treturn collect(rows)
}

func one(ctx context.Context, pool *pgxpool.Pool) (int, error) {
\trows, _ := pool.Query(ctx, "select 1")
\treturn pgx.CollectOneRow(rows, pgx.RowTo[int])
}
`;
    assert.deepEqual(await findings(source), []);
  });

  it('rows read to the end by `for rows.Next()` are closed; a return inside the loop still leaks', async () => {
    const source = `${header()}func all(ctx context.Context, db *sql.DB) []int {
\trows, _ := db.QueryContext(ctx, "select id from t")
\tvar ids []int
\tfor rows.Next() {
\t\tvar id int
\t\trows.Scan(&id)
\t\tids = append(ids, id)
\t}
\treturn ids
}

func early(ctx context.Context, db *sql.DB) ([]int, error) {
\trows, err := db.QueryContext(ctx, "select id from t")
\tif err != nil {
\t\treturn nil, err
\t}
\tvar ids []int
\tfor rows.Next() {
\t\tvar id int
\t\tif err := rows.Scan(&id); err != nil {
\t\t\treturn nil, err
\t\t}
\t\tids = append(ids, id)
\t}
\treturn ids, rows.Err()
}
`;
    assert.deepEqual(await findings(source), ['23 release-not-guaranteed']);
  });

  it('a result returned with a non-nil error is not handed over (bare return of named results too)', async () => {
    const source = `${header()}func start(ctx context.Context, pool *pgxpool.Pool) (tx pgx.Tx, id int64, err error) {
\tif tx, err = pool.Begin(ctx); err != nil {
\t\treturn
\t}
\terr = tx.QueryRow(ctx, "select txid_current()").Scan(&id)
\treturn
}

func open(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
\tconn, err := db.Conn(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\treturn conn, nil
}

func openChecked(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
\tconn, err := db.Conn(ctx)
\treturn conn, err
}
`;
    assert.deepEqual(await findings(source), ['12 release-not-guaranteed']);
    assert.match((await messages(source))[0] ?? '', /`return` on line 16/);
  });

  it("the workspace's own Query/BeginTx (a struct, a slice, a wrapper with other methods) is no acquire; the library's still is", async () => {
    const source = `${header('"context"\n\t"database/sql"')}func handle(c *Client, q string) string {
\tresult, err := c.Query(q)
\tif err != nil {
\t\treturn ""
\t}
\treturn string(result.CSV())
}

func count(r *Runner) (int, error) {
\trows, err := r.Query("select 1")
\tif err != nil {
\t\treturn 0, err
\t}
\treturn len(rows), nil
}

func cols(c *Client) int {
\tres, _ := c.Query("select 1")
\treturn len(res.Columns)
}

func compact(ctx context.Context, s *Log) error {
\tt, err := s.d.BeginTx(ctx, &sql.TxOptions{})
\tif err != nil {
\t\treturn err
\t}
\tdefer t.MustRollback()
\tif err := t.DeleteRevision(ctx, 1); err != nil {
\t\treturn err
\t}
\treturn t.Commit()
}

func real(ctx context.Context, db *sql.DB) error {
\ttx, err := db.BeginTx(ctx, nil)
\tif err != nil {
\t\treturn err
\t}
\tif _, err := tx.ExecContext(ctx, "delete from t"); err != nil {
\t\treturn err
\t}
\treturn tx.Commit()
}
`;
    assert.deepEqual(await findings(source), ['42 release-not-guaranteed']);
  });

  it("a constructor keeps what it is given when it succeeds; when it fails the caller still holds it", async () => {
    const source = `${header('"context"\n\t"database/sql"\n\t"testing"')}func WithInstance(ctx context.Context, db *sql.DB) (*Store, error) {
\tconn, err := db.Conn(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\tpx, err := WithConnection(ctx, conn)
\tif err != nil {
\t\treturn nil, err
\t}
\treturn px, nil
}

func TestWith(t *testing.T, db *sql.DB) {
\tconn, err := db.Conn(context.Background())
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tp, err := WithConnection(context.Background(), conn)
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tdefer p.Close()
}
`;
    assert.deepEqual(await findings(source), ['10 release-not-guaranteed']);
  });

  it('test doubles hold no connection: a mock receiver, or a file whose database is pgxmock', async () => {
    const mockReceiver = `${header()}func TestTx(t *testing.T) {
\ttx, err := mockPool.Begin(context.Background())
\tif err != nil {
\t\tt.Fatal(err)
\t}
\t_ = tx
}
`;
    assert.deepEqual(await findings(mockReceiver), []);
    const pgxmockFile = `${header('"context"\n\t"testing"\n\n\t"github.com/jackc/pgx/v5"\n\t"github.com/pashagolub/pgxmock/v4"')}var _ = pgxmock.NewRows

func migration(ctx context.Context, tx pgx.Tx) error {
\t_, err := tx.Query(ctx, "select 1")
\treturn err
}
`;
    assert.deepEqual(await findings(pgxmockFile), []);
    // The same shape with a real pool is a leak (the rows are dropped).
    assert.deepEqual(await findings(pgxmockFile.replace('var _ = pgxmock.NewRows', 'var pool, _ = pgxpool.New(context.Background(), "")')), ['14 unreleased-client']);
  });

  it('a file that opens another database by driver name is not PostgreSQL', async () => {
    const source = `${header('"database/sql"')}func open() (*sql.DB, error) { return sql.Open("clickhouse", "tcp://localhost") }

func set(db *sql.DB, v int) error {
\ttx, err := db.Begin()
\tif err != nil {
\t\treturn err
\t}
\tif _, err := tx.Exec("insert into v values (?)", v); err != nil {
\t\treturn err
\t}
\treturn tx.Commit()
}
`;
    assert.deepEqual(await findings(source), []);
    assert.deepEqual(await findings(source.replace('"clickhouse"', '"postgres"')), ['10 release-not-guaranteed']);
  });

  it('no fix where the error is not checked next: a deferred Close on the nil value of a failed acquire would panic', async () => {
    const source = `${header()}func probe(ctx context.Context, pool *pgxpool.Pool) {
\tconn, err := pool.Acquire(ctx)
\tlog(err)
\t_ = conn
}
`;
    const found = await analyzeText(source, 'go');
    assert.deepEqual(found.map((f) => f.rule), ['unreleased-client']);
    const fixes = await fixesFor(source, 'go', found);
    assert.deepEqual(fixes.flat(), []);
  });

  it('the fix mirrors Commit(context.Background()) and is not put off by `f(tx, x); err != nil`', async () => {
    const source = `${header()}func write(pool *pgxpool.Pool, items []int) error {
\ttx, err := pool.Begin(context.Background())
\tif err != nil {
\t\treturn err
\t}
\tif _, err = tx.Exec(context.Background(), "truncate t"); err != nil {
\t\treturn err
\t}
\tdefer func() { _ = tx.Rollback(context.Background()) }()
\tfor _, i := range items {
\t\tif err = insert(tx, i); err != nil {
\t\t\treturn err
\t\t}
\t}
\treturn tx.Commit(context.Background())
}
`;
    const found = await analyzeText(source, 'go');
    assert.deepEqual(found.map((f) => `${f.range.startLine + 1} ${f.rule}`), ['12 release-not-guaranteed']);
    const fix = (await fixesFor(source, 'go', found))[0]?.[0];
    assert.equal(fix?.title, 'Add `defer tx.Rollback(context.Background())` after the error check');
  });

  describe('the second set (bench/wild/*-go2.tsv: river, pgroll, ardanlabs/service, promscale, hatchet …)', () => {
    it("the workspace's own methods typed through a method's result and an `(err error)` result: no acquire (promscale, ardanlabs)", async () => {
      const source = `${header()}type TimeSeries struct{ Labels []string }

type RemoteReadQuerier interface {
\tQuery(q string) ([]*TimeSeries, error)
}

type Querier interface {
\tRemoteReadQuerier(ctx context.Context) RemoteReadQuerier
}

type tagBatch struct{ b batcher }

type batcher struct{}

func (b batcher) SendBatch(ctx context.Context, conn *pgxpool.Pool) (err error) {
\tbr := conn.SendBatch(ctx, &pgx.Batch{})
\treturn br.Close()
}

func (t tagBatch) SendBatch(ctx context.Context, conn *pgxpool.Pool) (err error) {
\treturn t.b.SendBatch(ctx, conn)
}

func read(ctx context.Context, qr Querier) int {
\tresult, err := qr.RemoteReadQuerier(ctx).Query("up")
\tif err != nil {
\t\treturn 0
\t}
\treturn len(result)
}

func write(ctx context.Context, pool *pgxpool.Pool, batch tagBatch) error {
\terr := batch.SendBatch(ctx, pool)
\treturn err
}
`;
      assert.deepEqual(await findings(source), []);
    });

    it('a getter that lends the connection its owner holds is no acquire; a method that opens one is (promscale)', async () => {
      const source = `${header()}type Lock struct{ conn *pgx.Conn }

func (l *Lock) Conn() (*pgx.Conn, error) {
\tif l.conn == nil {
\t\treturn nil, errNoConn
\t}
\treturn l.conn, nil
}

func (l *Lock) Close() error { return l.conn.Close(context.Background()) }

type Opener struct{ url string }

func (o *Opener) Conn(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, o.url) }

func (o *Opener) Close() error { return nil }

func migrate(lock *Lock) error {
\tconn, err := lock.Conn()
\tif err != nil {
\t\treturn err
\t}
\t_ = conn
\treturn nil
}

func leak(ctx context.Context, o *Opener) error {
\tconn, err := o.Conn(ctx)
\tif err != nil {
\t\treturn err
\t}
\t_ = conn
\treturn nil
}
`;
      assert.deepEqual(await findings(source), ['38 unreleased-client']);
    });

    it("rows of a batch are the batch's: its deferred Close reads them and gives the connection back (promscale)", async () => {
      const source = `${header()}func exemplars(ctx context.Context, pool *pgxpool.Pool, b *pgx.Batch) error {
\tbatchResults := pool.SendBatch(ctx, b)
\tdefer batchResults.Close()
\tfor i := 0; i < b.Len(); i++ {
\t\trows, err := batchResults.Query()
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\tif err := scan(rows); err != nil {
\t\t\treturn err
\t\t}
\t\trows.Close()
\t}
\treturn nil
}
`;
      assert.deepEqual(await findings(source), []);
    });

    it('rows wrapped by a constructor and returned are handed over; a release handed on as a method value is a release (promscale, river)', async () => {
      const source = `${header()}type timedRows struct{ pgx.Rows }

func newTimedRows(rows pgx.Rows) *timedRows { return &timedRows{rows} }

func query(ctx context.Context, pool *pgxpool.Pool) (*timedRows, error) {
\trows, err := pool.Query(ctx, "select 1")
\tif err != nil {
\t\treturn nil, err
\t}
\treturn newTimedRows(rows), nil
}

func rollbackWithoutCancel(ctx context.Context, tx pgx.Tx) error {
\treturn withTimeout(context.WithoutCancel(ctx), "rollback", tx.Rollback)
}

func withTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
\ttx, err := pool.Begin(ctx)
\tif err != nil {
\t\treturn err
\t}
\tdefer withTimeout(ctx, "rollback", tx.Rollback)
\tif err := fn(tx); err != nil {
\t\treturn err
\t}
\treturn tx.Commit(ctx)
}
`;
      assert.deepEqual(await findings(source), []);
    });

    it('a connection a retry closure stores in the enclosing function is that function\'s to close (hatchet); kept in the closure, it leaks', async () => {
      const source = `${header()}func run(ctx context.Context, db *sql.DB) error {
\tvar conn *sql.Conn
\terr := retryDo(ctx, func(ctx context.Context) error {
\t\tvar err error
\t\tconn, err = db.Conn(ctx)
\t\treturn err
\t})
\tif err != nil {
\t\treturn err
\t}
\tdefer conn.Close()
\treturn nil
}

func lost(ctx context.Context, db *sql.DB) error {
\treturn retryDo(ctx, func(ctx context.Context) error {
\t\tconn, err := db.Conn(ctx)
\t\tif err != nil {
\t\t\treturn err
\t\t}
\t\t_ = conn
\t\treturn nil
\t})
}
`;
      assert.deepEqual(await findings(source), ['27 unreleased-client']);
    });
  });

  describe('the held-out set (bench/wild/*-go3.tsv) and golang-migrate', () => {
    it('`errors.Is(err, …)` and `err == sentinel` are true only for a failed call: nothing is held on that return (pgxtutorial)', async () => {
      const source = `${header()}func one(ctx context.Context, pool *pgxpool.Pool) (int, error) {
\trows, err := pool.Query(ctx, "select 1")
\tif errors.Is(err, context.Canceled) {
\t\treturn 0, err
\t}
\tif err == context.DeadlineExceeded {
\t\treturn 0, err
\t}
\tif err != nil {
\t\treturn 0, err
\t}
\treturn pgx.CollectOneRow(rows, pgx.RowTo[int])
}

func leaks(ctx context.Context, pool *pgxpool.Pool) (int, error) {
\trows, err := pool.Query(ctx, "select 1")
\tif err != nil {
\t\treturn 0, err
\t}
\tif !errors.Is(ctx.Err(), context.Canceled) {
\t\treturn 0, nil
\t}
\treturn pgx.CollectOneRow(rows, pgx.RowTo[int])
}
`;
      assert.deepEqual(await findings(source), ['26 release-not-guaranteed']);
    });

    it('a connection kept in a local struct literal is handed over when the struct is returned, and leaks when an error return drops it (golang-migrate)', async () => {
      const source = `${header()}type Postgres struct {
\tconn *sql.Conn
\tdb   *sql.DB
}

func WithInstance(ctx context.Context, instance *sql.DB) (*Postgres, error) {
\tconn, err := instance.Conn(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\tpx := &Postgres{conn: conn, db: instance}
\tif err := px.ensureVersionTable(); err != nil {
\t\treturn nil, err
\t}
\treturn px, nil
}

func WithCleanup(ctx context.Context, instance *sql.DB) (*Postgres, error) {
\tconn, err := instance.Conn(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\tpx := &Postgres{conn: conn, db: instance}
\tif err := px.ensureVersionTable(); err != nil {
\t\tpx.conn.Close()
\t\treturn nil, err
\t}
\treturn px, nil
}

func open(ctx context.Context, instance *sql.DB) error {
\tp, err := WithCleanup(ctx, instance)
\tif err != nil {
\t\treturn err
\t}
\t_ = p
\treturn nil
}
`;
      assert.deepEqual(await findings(source), ['17 release-not-guaranteed']);
    });
  });
});
