// The Go oracle's runner (test/unit/analysis/oracleGo.test.ts builds it with the fixtures of one file
// and a generated registry.go): every fixture function runs against PostgreSQL with a real pgx pool or
// database/sql pool, normally and with a fault injected at the server (the k-th `oracle_op()` fails, or
// it and every later one), and says how many connections were still checked out afterwards.
//
// Usage: runner CONNECTION_STRING NAMES_JSON. Prints the FunctionReport[] of test/oracle/faults.ts.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v4"
	"github.com/jackc/pgx/v4/pgxpool"
	_ "github.com/lib/pq"
)

type runResult struct {
	Fault      string `json:"fault"`
	CheckedOut int    `json:"checkedOut"`
	Operations int    `json:"operations"`
	Connects   int    `json:"connects"`
	HandedOver int    `json:"handedOver"`
	Error      string `json:"error,omitempty"`
}

type functionReport struct {
	Name string      `json:"name"`
	Runs []runResult `json:"runs"`
}

// At most this many fault positions per function: the fixtures make a handful of operations.
const maxOperations = 12

var (
	admin  *pgx.Conn
	schema string
	app    string
	dsn    string
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func exec(sql string, args ...interface{}) {
	_, err := admin.Exec(context.Background(), sql, args...)
	must(err)
}

// Each runner has its own schema (the search_path of its pools), so runners can share a server.
func setup(base string) {
	ctx := context.Background()
	var err error
	admin, err = pgx.Connect(ctx, base)
	must(err)
	schema = fmt.Sprintf("oracle_go_%d", os.Getpid())
	app = "pg-health-oracle-" + schema
	exec("drop schema if exists " + schema + " cascade")
	exec("create schema " + schema)
	exec("create sequence " + schema + ".ops")
	exec("create table " + schema + ".fault (kind text not null, k int not null)")
	exec("insert into " + schema + ".fault values ('none', 0)")
	exec(`create function ` + schema + `.oracle_op() returns bigint language plpgsql as $$
declare n bigint; f record;
begin
  n := nextval('` + schema + `.ops');
  select * into f from ` + schema + `.fault limit 1;
  if (f.kind = 'fail-at' and n = f.k) or (f.kind = 'fail-from' and n >= f.k) then
    raise exception 'injected fault at operation %', n;
  end if;
  return n;
end $$`)
	u, err := url.Parse(base)
	must(err)
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", app)
	// The test server listens on loopback without TLS (lib/pq would ask for it by default).
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	dsn = u.String()
}

func operations() int {
	var last int64
	var called bool
	must(admin.QueryRow(context.Background(), "select last_value, is_called from "+schema+".ops").Scan(&last, &called))
	if !called {
		return 0
	}
	return int(last)
}

// The run's own backends, left checked out by a leak: ended, so the next run starts with a clean server.
func endBackends() {
	exec("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()", app)
}

func call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

func runOnce(name, kind string, k int) runResult {
	exec("alter sequence " + schema + ".ops restart with 1")
	exec("update "+schema+".fault set kind = $1, k = $2", kind, k)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fault := kind
	if kind != "none" {
		fault = fmt.Sprintf("%s %d", kind, k)
	}
	result := runResult{Fault: fault}
	var err error
	if f, ok := pgxFixtures[name]; ok {
		config, cerr := pgxpool.ParseConfig(dsn)
		must(cerr)
		config.MaxConns = 4
		pool, perr := pgxpool.ConnectConfig(ctx, config)
		must(perr)
		err = call(func() error { return f(ctx, pool) })
		result.HandedOver = handOver()
		result.CheckedOut = int(pool.Stat().AcquiredConns())
		if result.CheckedOut == 0 {
			pool.Close()
		}
	} else if f, ok := sqlFixtures[name]; ok {
		db, oerr := sql.Open("postgres", dsn)
		must(oerr)
		db.SetMaxOpenConns(4)
		err = call(func() error { return f(ctx, db) })
		result.HandedOver = handOver()
		result.CheckedOut = db.Stats().InUse
		if result.CheckedOut == 0 {
			db.Close()
		}
	} else {
		result.Error = "no such fixture"
		return result
	}
	if err != nil {
		result.Error = err.Error()
	}
	result.Operations = operations()
	endBackends()
	return result
}

func main() {
	setup(os.Args[1])
	var names []string
	must(json.Unmarshal([]byte(os.Args[2]), &names))
	reports := []functionReport{}
	for _, name := range names {
		first := runOnce(name, "none", 0)
		runs := []runResult{first}
		for k := 1; k <= first.Operations+1 && k <= maxOperations; k++ {
			runs = append(runs, runOnce(name, "fail-at", k), runOnce(name, "fail-from", k))
		}
		reports = append(reports, functionReport{Name: name, Runs: runs})
	}
	exec("drop schema " + schema + " cascade")
	out, err := json.Marshal(reports)
	must(err)
	fmt.Println(string(out))
}
