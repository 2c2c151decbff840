#!/usr/bin/env python3
"""Does SQLAlchemy take back a connection its code never closes? Measured, not assumed.

The judges of bench/wild disagreed on `conn = engine.connect()` without `conn.close()`: CPython's
reference counting frees the object when the function returns, and SQLAlchemy's pool takes a freed
connection back. This runs the shapes against a real PostgreSQL with a small pool and prints how many
connections stay checked out, in SQLAlchemy 1.x's legacy mode and in 2.0 style (`future=True` on
1.4, the only mode of 2.x), then the same under load: 300 "requests" that each leave their
connection unclosed, with per-request allocations, against pool_size=5 + max_overflow=10.

  python3 bench/wild/sqlalchemy_gc.py postgresql+psycopg2://postgres@127.0.0.1:5432/postgres

Needs SQLAlchemy (Debian's python3-sqlalchemy) and psycopg2. Seen on 2026-12-02 with SQLAlchemy
1.4.46 and PostgreSQL 15: legacy mode hands a never-closed connection back at return, unless a
transaction was begun or an exception passed through; 2.0 style keeps every such connection until
the cycle collector runs, and under load 282 of 300 requests timed out waiting for the pool.
"""
import gc
import sys
import time

from sqlalchemy import create_engine, text


def shapes(url, future):
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=1, future=future)

    def named():
        conn = engine.connect()
        return conn.execute(text("select 1")).scalar()

    def unnamed():
        return engine.connect().execute(text("select 1")).scalar()

    def with_transaction():
        conn = engine.connect()
        conn.begin()
        conn.execute(text("select 1"))

    def closed_on_success_only():
        conn = engine.connect()
        conn.execute(text("select 1/0"))
        conn.close()

    def with_block():
        with engine.connect() as conn:
            conn.execute(text("select 1/0"))

    mode = "2.0 style" if future else "1.x legacy"
    for shape in (named, unnamed, with_transaction, closed_on_success_only, with_block):
        try:
            shape()
        except Exception:
            pass
        held = engine.pool.checkedout()
        gc.collect()
        print(f"{mode:10}  {shape.__name__:24} checked out after return: {held}   after gc.collect(): {engine.pool.checkedout()}")
    engine.dispose()


def load(url, future, requests=300):
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_timeout=0.2, future=future)

    def handler(i):
        conn = engine.connect()  # never closed, as in the judged findings
        rows = conn.execute(text("select g, md5(g::text) from generate_series(1, 50) g")).fetchall()
        return [{"id": r[0], "h": r[1], "i": i} for r in rows]

    peak = timeouts = 0
    started = time.time()
    for i in range(requests):
        try:
            handler(i)
        except Exception:
            timeouts += 1
        peak = max(peak, engine.pool.checkedout())
    mode = "2.0 style" if future else "1.x legacy"
    print(f"{mode:10}  {requests} requests: peak checked out {peak} of 15, pool timeouts {timeouts} ({time.time() - started:.1f} s)")
    engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for future in (False, True):
        shapes(sys.argv[1], future)
    for future in (False, True):
        load(sys.argv[1], future)
