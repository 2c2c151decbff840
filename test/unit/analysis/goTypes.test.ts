// Go receivers by their declared types (src/analysis/apis/goTypes.ts): the workspace's own `Query` that
// returns a struct is not pgx's; a wrapper that returns pgx's rows, or a type with a Close of its own,
// still is. Shapes from pgweb (Client.Query returns *Result) and pgwatch (a BlockingPool test double
// whose every return is nil), reduced; see bench/wild/findings-go.tsv.
import * as assert from 'node:assert/strict';
import { analyzeText, analyzeWorkspace, type SourceFile } from '../../../src/analysis/analyzer';
import { goTypeFacts, GoTypes } from '../../../src/analysis/apis/goTypes';
import { IncrementalAnalysis } from '../../../src/analysis/incremental';

const CLIENT = `package client

import (
\t"context"

\t"github.com/jmoiron/sqlx"
)

type Client struct {
\tdb      *sqlx.DB
\ttimeout int
}

type Result struct {
\tColumns []string
\tRows    [][]any
}

func NewFromUrl(url string) (*Client, error) {
\tdb, err := sqlx.Open("postgres", url)
\tif err != nil {
\t\treturn nil, err
\t}
\treturn &Client{db: db}, nil
}

// Query reads every row and closes them itself.
func (client *Client) Query(
\tquery string,
\targs ...interface{},
) (*Result, error) {
\trows, err := client.db.Queryx(query, args...)
\tif err != nil {
\t\treturn nil, err
\t}
\tdefer rows.Close()
\treturn &Result{}, nil
}

func (client *Client) Close() error { return client.db.Close() }
`;

const CLIENT_TEST = `package client

import (
\t"testing"

\t"github.com/stretchr/testify/assert"
)

var testClient *Client

func setup() {
\ttestClient, _ = NewFromUrl("postgres://127.0.0.1/db")
}

func TestQuery(t *testing.T) {
\tt.Run("error", func(t *testing.T) {
\t\tres, err := testClient.Query("SELCT 1")
\t\tassert.NotNil(t, err)
\t\tassert.Nil(t, res)
\t})
}
`;

const go = (path: string, text: string): SourceFile => ({ path, text, language: 'go' });

async function lines(files: SourceFile[]): Promise<string[]> {
  const results = await analyzeWorkspace(files);
  return results.flatMap((r) => r.findings.map((f) => `${r.path}:${f.range.startLine + 1} ${f.rule}`));
}

describe('Go receivers by their declared types', () => {
  it('reads a file\'s types, fields, variables, functions and acquire-named methods (multi-line signatures too)', () => {
    const facts = goTypeFacts(`package x

type Pool = pgxpool.Pool

type (
\tStore struct {
\t\t*pgxpool.Pool
\t\tlog, audit Logger \`json:"log"\`
\t\tnested    struct {
\t\t\tinner *sql.DB
\t\t}
\t}
\tQuerier interface {
\t\tQuery(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
\t\tClose()
\t}
)

var (
\tdefaultStore *Store
\tshared       = &Store{}
\tfromCall, _  = Open("x")
)

func Open(url string) (s *Store, err error) { return nil, nil }

func (s *Store) Begin(ctx context.Context) (tx *Tx, err error) {
\tif ctx == nil {
\t\treturn nil, errNoContext
\t}
\treturn &Tx{}, nil
}
`);
    assert.deepEqual(facts, [
      'go:c:Querier',
      'go:e:Pool:pgxpool.Pool',
      'go:e:Store:pgxpool.Pool',
      'go:f:Store.audit:Logger',
      'go:f:Store.log:Logger',
      'go:m:Querier.Query:pgx.Rows',
      'go:m:Store.Begin:Tx',
      'go:mr:Querier.Query:pgx.Rows',
      'go:mr:Store.Begin:Tx',
      'go:r:Open:Store',
      'go:v:defaultStore:Store',
      'go:v:fromCall:=Open',
      'go:v:shared:Store',
    ]);
  });

  it('resolves a reference through variables, function results, fields and embedded types', () => {
    const types = new GoTypes([
      'go:v:testClient:Client',
      'go:v:made:=NewFromUrl',
      'go:r:NewFromUrl:Client',
      'go:f:Server.client:client.Client',
      'go:e:Store:pgxpool.Pool',
      'go:m:Client.Query:Result',
      'go:m:Wrapper.Query:pgx.Rows',
      'go:m:Tracked.Begin:Tx',
      'go:c:Tx',
      'go:m:Double.Acquire:pgxpool.Conn',
      'go:nil:Double.Acquire',
    ]);
    assert.equal(types.typeOf('v:made'), 'Client');
    assert.equal(types.typeOf('T:Server>client'), 'client.Client');
    assert.equal(types.typeOf('T:Store>Pool'), 'pgxpool.Pool');
    assert.equal(types.acquires('v:testClient', 'Query'), 'no');
    assert.equal(types.acquires('T:Server>client', 'Query'), 'no');
    assert.equal(types.acquires('T:Wrapper', 'Query'), 'yes');
    assert.equal(types.acquires('T:Tracked', 'Begin'), 'yes', 'a type with a Commit/Rollback/Close holds the connection');
    assert.equal(types.acquires('T:Store', 'Query'), 'yes', "pgxpool.Pool's Query, promoted");
    assert.equal(types.acquires('T:Double', 'Acquire'), 'no', 'every return is nil');
    assert.equal(types.acquires('T:pgxpool.Pool', 'Acquire'), 'yes');
    assert.equal(types.acquires('v:unknown', 'Query'), undefined);
  });

  it("takes the workspace's own Client.Query (a *Result) for no acquire, across files and through a package variable", async () => {
    assert.deepEqual(await lines([go('client.go', CLIENT), go('client_test.go', CLIENT_TEST)]), []);
  });

  it('still finds the leak when the own type wraps the driver: its Query returns pgx.Rows, or a type with a Close', async () => {
    const wrapper = `package store

import (
\t"context"

\t"github.com/jackc/pgx/v5"
\t"github.com/jackc/pgx/v5/pgxpool"
)

type DB struct{ pool *pgxpool.Pool }

func (d *DB) Query(ctx context.Context, q string) (pgx.Rows, error) { return d.pool.Query(ctx, q) }

type Tx struct{ tx pgx.Tx }

func (t *Tx) Commit(ctx context.Context) error { return t.tx.Commit(ctx) }

func (d *DB) Begin(ctx context.Context) (*Tx, error) {
\ttx, err := d.pool.Begin(ctx)
\tif err != nil {
\t\treturn nil, err
\t}
\treturn &Tx{tx: tx}, nil
}
`;
    const use = `package store

import "context"

func count(ctx context.Context, db *DB) (int, error) {
\trows, err := db.Query(ctx, "select 1")
\tif err != nil {
\t\treturn 0, err
\t}
\tn := 0
\tfor rows.Next() {
\t\tif n > 10 {
\t\t\treturn n, nil
\t\t}
\t\tn++
\t}
\treturn n, nil
}

func write(ctx context.Context, db *DB) error {
\ttx, err := db.Begin(ctx)
\tif err != nil {
\t\treturn err
\t}
\tif err := check(); err != nil {
\t\treturn err
\t}
\treturn tx.Commit(ctx)
}
`;
    assert.deepEqual(await lines([go('db.go', wrapper), go('use.go', use)]), ['use.go:6 release-not-guaranteed', 'use.go:21 release-not-guaranteed']);
  });

  it('a test double whose every return is nil holds nothing', async () => {
    const source = `package testutil

import (
\t"context"
\t"testing"

\t"github.com/jackc/pgx/v5"
\t"github.com/stretchr/testify/assert"
)

type BlockingPool struct{}

func (BlockingPool) Query(ctx context.Context, _ string) (pgx.Rows, error) {
\t<-ctx.Done()
\treturn nil, ctx.Err()
}

func TestBlockingPool(t *testing.T) {
\tpool := BlockingPool{}
\trows, err := pool.Query(context.Background(), "select 1")
\tassert.ErrorIs(t, err, context.Canceled)
\tassert.Nil(t, rows)
}
`;
    assert.deepEqual(await analyzeText(source, 'go'), []);
  });

  it('two types of one name whose Query differ, or a receiver the code does not type: as before, an acquire', async () => {
    const other = `package legacy

import (
\t"context"

\t"github.com/jackc/pgx/v5"
)

type Client struct{ conn *pgx.Conn }

func (c *Client) Query(ctx context.Context, q string) (pgx.Rows, error) { return c.conn.Query(ctx, q) }
`;
    const use = `package client

func leak(c *Client) error {
\trows, err := c.Query("select 1")
\tif err != nil {
\t\treturn err
\t}
\t_ = rows
\treturn nil
}
`;
    assert.deepEqual(await lines([go('client.go', CLIENT), go('legacy/client.go', other), go('use.go', use)]), ['use.go:4 unreleased-client']);
    const untyped = `package store

func leak(ctx context.Context) error {
\trows, err := pools[0].Query(ctx, "select 1")
\tif err != nil {
\t\treturn err
\t}
\t_ = rows
\treturn nil
}
`;
    assert.deepEqual(await lines([go('client.go', CLIENT), go('untyped.go', untyped)]), ['untyped.go:4 unreleased-client']);
  });

  it('in the editor: the other files\' facts come with the options, and an edit to the file\'s own types counts at once', async () => {
    const facts = goTypeFacts(CLIENT);
    const incremental = new IncrementalAnalysis('go', { summaries: { go: { acquires: [], releases: [], facts } } });
    try {
      assert.deepEqual(await incremental.update(CLIENT_TEST), []);
      // The test file declares a Client of its own whose Query returns pgx.Rows: now two types say different things.
      const own = `${CLIENT_TEST}\ntype Client struct{}\n\nfunc (c *Client) Query(q string) (pgx.Rows, error) { return c.rows(q) }\n`;
      assert.deepEqual(
        (await incremental.update(own)).map((f) => `${f.range.startLine + 1} ${f.rule}`),
        ['17 unreleased-client'],
      );
      assert.deepEqual(await incremental.update(CLIENT_TEST), []);
    } finally {
      incremental.dispose();
    }
  });
});
