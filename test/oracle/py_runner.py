"""Runs Python fixture functions for real against PostgreSQL with a real pool of the fixture file's
driver (psycopg2.pool, psycopg_pool, asyncpg), normally and under injected faults, and reports how
many connections each run left checked out. Run with Debian's /usr/bin/python3, which has the drivers.

    /usr/bin/python3 test/oracle/py_runner.py FIXTURE DSN NAMES_JSON DRIVER  -> JSON reports on stdout

The fault scenarios mirror test/oracle/faults.ts: an operation fails once, every operation from the
k-th on fails, results come back empty, or the k-th connection request fails.
"""
import asyncio
import contextlib
import importlib.util
import inspect
import json
import sys

STATE = {"fault": ("none", 0), "ops": 0, "connects": 0}
MAX_OPERATIONS = 12
MAX_CONNECTS = 4


def scenarios(operations, connects):
    out = [("empty", 0)]
    for k in range(1, min(operations + 1, MAX_OPERATIONS) + 1):
        out.append(("fail-at", k))
        out.append(("fail-from", k))
    for k in range(1, min(connects, MAX_CONNECTS) + 1):
        out.append(("connect-fail-at", k))
    return out


def describe(fault):
    kind, k = fault
    return kind if kind in ("none", "empty") else f"{kind} {k}"


def should_fail():
    STATE["ops"] += 1
    kind, k = STATE["fault"]
    return (kind == "fail-at" and STATE["ops"] == k) or (kind == "fail-from" and STATE["ops"] >= k)


def empty():
    return STATE["fault"][0] == "empty"


def connect_fails():
    STATE["connects"] += 1
    kind, k = STATE["fault"]
    return kind == "connect-fail-at" and STATE["connects"] == k


# --- psycopg2 -------------------------------------------------------------------------------------

def psycopg2_driver():
    import psycopg2
    import psycopg2.extensions
    import psycopg2.pool

    class FaultCursor(psycopg2.extensions.cursor):
        def execute(self, query, vars=None):
            if should_fail():
                raise psycopg2.OperationalError(f"injected fault: operation {STATE['ops']} failed")
            return super().execute(query, vars)

        def fetchall(self):
            rows = super().fetchall()
            return [] if empty() else rows

        def fetchone(self):
            row = super().fetchone()
            return None if empty() else row

    class FaultConnection(psycopg2.extensions.connection):
        def cursor(self, *args, **kwargs):
            if should_fail():
                raise psycopg2.InterfaceError(f"injected fault: operation {STATE['ops']} failed")
            kwargs.setdefault("cursor_factory", FaultCursor)
            return super().cursor(*args, **kwargs)

        # COMMIT and ROLLBACK are round trips too: a dropped connection fails them.
        def commit(self):
            if should_fail():
                raise psycopg2.OperationalError(f"injected fault: operation {STATE['ops']} (commit) failed")
            return super().commit()

        def rollback(self):
            if should_fail():
                raise psycopg2.OperationalError(f"injected fault: operation {STATE['ops']} (rollback) failed")
            return super().rollback()

    class FaultPool(psycopg2.pool.ThreadedConnectionPool):
        def getconn(self, key=None):
            if connect_fails():
                raise psycopg2.pool.PoolError(f"injected fault: getconn {STATE['connects']} failed")
            return super().getconn(key)

    class Driver:
        is_async = False

        def open(self, dsn):
            return FaultPool(0, 4, dsn, connection_factory=FaultConnection)

        def checked_out(self, pool):
            return len(pool._used)

        def is_connection(self, value):
            return isinstance(value, psycopg2.extensions.connection)

        def give_back(self, pool, conn):
            pool.putconn(conn)

        def use(self, conn):
            conn.cursor().execute("SELECT 1")

        def close(self, pool):
            pool.closeall()

    return Driver()


# --- psycopg 3 with psycopg_pool ------------------------------------------------------------------

def psycopg_pool_driver():
    import psycopg
    import psycopg_pool

    class FaultCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            if should_fail():
                raise psycopg.OperationalError(f"injected fault: operation {STATE['ops']} failed")
            return super().execute(query, params, **kwargs)

        def fetchall(self):
            rows = super().fetchall()
            return [] if empty() else rows

        def fetchone(self):
            row = super().fetchone()
            return None if empty() else row

    class FaultPool(psycopg_pool.ConnectionPool):
        # Connections the code holds: handed out by getconn and not yet given back with putconn
        # (pool.connection() goes through both). Counted here rather than from get_stats(), whose
        # pool_size - pool_available also counts a connection the pool's worker is still opening or
        # resetting in the background, which on a loaded machine outlasts the run.
        outstanding = 0

        def getconn(self, timeout=None):
            if connect_fails():
                raise psycopg_pool.PoolTimeout(f"injected fault: getconn {STATE['connects']} failed")
            conn = super().getconn(timeout)
            self.outstanding += 1
            return conn

        def putconn(self, conn):
            self.outstanding -= 1
            super().putconn(conn)

    class Driver:
        is_async = False

        def open(self, dsn):
            return FaultPool(dsn, min_size=0, max_size=4, kwargs={"cursor_factory": FaultCursor}, open=True, timeout=2)

        def checked_out(self, pool):
            return pool.outstanding

        def is_connection(self, value):
            return isinstance(value, psycopg.Connection)

        def give_back(self, pool, conn):
            pool.putconn(conn)

        def use(self, conn):
            conn.execute("SELECT 1")

        def close(self, pool):
            pool.close(timeout=0.5)

    return Driver()


# --- asyncpg --------------------------------------------------------------------------------------

def asyncpg_driver():
    import asyncpg
    import asyncpg.pool

    def fault():
        return asyncpg.exceptions.ConnectionDoesNotExistError(f"injected fault: operation {STATE['ops']} failed")

    class FaultConnection(asyncpg.Connection):
        async def execute(self, query, *args, timeout=None):
            if should_fail():
                raise fault()
            return await super().execute(query, *args, timeout=timeout)

        async def fetch(self, query, *args, timeout=None, record_class=None):
            if should_fail():
                raise fault()
            rows = await super().fetch(query, *args, timeout=timeout, record_class=record_class)
            return [] if empty() else rows

        async def fetchrow(self, query, *args, timeout=None, record_class=None):
            if should_fail():
                raise fault()
            row = await super().fetchrow(query, *args, timeout=timeout, record_class=record_class)
            return None if empty() else row

        async def fetchval(self, query, *args, column=0, timeout=None):
            if should_fail():
                raise fault()
            value = await super().fetchval(query, *args, column=column, timeout=timeout)
            return None if empty() else value

        def transaction(self, **kwargs):
            if should_fail():
                raise fault()
            return super().transaction(**kwargs)

    class FailedAcquire:
        """What `pool.acquire()` gives when the pool cannot hand out a connection."""

        def __init__(self, error):
            self.error = error

        def __await__(self):
            raise self.error
            yield  # pragma: no cover  (makes this a generator)

        async def __aenter__(self):
            raise self.error

        async def __aexit__(self, *exc):
            return False

    class FaultPool(asyncpg.pool.Pool):
        __slots__ = ()

        def acquire(self, *, timeout=None):
            if connect_fails():
                return FailedAcquire(asyncpg.exceptions.TooManyConnectionsError(f"injected fault: acquire {STATE['connects']} failed"))
            return super().acquire(timeout=timeout)

    class Driver:
        is_async = True

        async def open(self, dsn):
            return await FaultPool(
                dsn,
                connection_class=FaultConnection,
                record_class=asyncpg.Record,
                min_size=0,
                max_size=4,
                max_queries=50000,
                loop=None,
                setup=None,
                init=None,
                max_inactive_connection_lifetime=300.0,
            )

        def checked_out(self, pool):
            return pool.get_size() - pool.get_idle_size()

        def is_connection(self, value):
            return isinstance(value, (asyncpg.Connection, asyncpg.pool.PoolConnectionProxy))

        async def give_back(self, pool, conn):
            await pool.release(conn)

        async def use(self, conn):
            await conn.fetchval("SELECT 1")

        async def close(self, pool):
            pool.terminate()

    return Driver()


DRIVERS = {"psycopg2": psycopg2_driver, "psycopg_pool": psycopg_pool_driver, "asyncpg": asyncpg_driver}


def error_text(error):
    return f"{type(error).__name__}: {error}"


def run_sync(driver, module, fn, dsn, fault):
    STATE["fault"] = ("none", 0)
    pool = driver.open(dsn)
    STATE.update(ops=0, connects=0, fault=fault)
    result = {"fault": describe(fault), "handedOver": 0}
    try:
        value = fn(pool)
        if driver.is_connection(value):
            # The function handed its connection to us, the caller: giving it back is our job now.
            driver.give_back(pool, value)
            result["handedOver"] += 1
        elif value is not None and not hasattr(value, "__enter__") and not inspect.isgenerator(value):
            result["value"] = repr(value)[:2000]
        elif hasattr(value, "__enter__"):
            # A context manager (e.g. @contextmanager): use it the way callers do; the body may fail.
            with value as conn:
                driver.use(conn)
        elif inspect.isgenerator(value):
            # A generator hands each connection it yields to its consumer, here: give it back.
            conn = next(value)
            if driver.is_connection(conn):
                driver.give_back(pool, conn)
                result["handedOver"] += 1
            value.close()
    except Exception as error:  # noqa: BLE001 - every failure is part of the record
        result["error"] = error_text(error)
    keeper = getattr(module, "_release_kept", None)
    if keeper:
        keeper(pool)
    result.update(checkedOut=driver.checked_out(pool), operations=STATE["ops"], connects=STATE["connects"])
    STATE["fault"] = ("none", 0)
    with contextlib.suppress(Exception):
        driver.close(pool)
    return result


async def run_async(driver, module, fn, dsn, fault):
    STATE["fault"] = ("none", 0)
    pool = await driver.open(dsn)
    STATE.update(ops=0, connects=0, fault=fault)
    result = {"fault": describe(fault), "handedOver": 0}

    async def body():
        value = fn(pool)
        if asyncio.iscoroutine(value):
            value = await value
        if driver.is_connection(value):
            await driver.give_back(pool, value)
            result["handedOver"] += 1
        elif value is not None and not hasattr(value, "__aenter__"):
            result["value"] = repr(value)[:2000]
        elif hasattr(value, "__aenter__"):
            async with value as conn:
                await driver.use(conn)

    try:
        await asyncio.wait_for(body(), 5)
    except Exception as error:  # noqa: BLE001
        result["error"] = error_text(error)
    # Let work the function started but did not await (e.g. the other half of a gather) finish first.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=2)
    await asyncio.sleep(0.01)
    result.update(checkedOut=driver.checked_out(pool), operations=STATE["ops"], connects=STATE["connects"])
    STATE["fault"] = ("none", 0)
    with contextlib.suppress(Exception):
        await driver.close(pool)
    return result


def load(path):
    spec = importlib.util.spec_from_file_location("fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    path, dsn, names_json, driver_name = sys.argv[1:5]
    driver = DRIVERS[driver_name]()
    module = load(path)
    reports = []
    real_stdout = sys.stdout
    # Fixtures may print; stdout carries the report alone.
    sys.stdout = sys.stderr
    for name in json.loads(names_json):
        fn = getattr(module, name)
        if driver.is_async:
            def run(fault, fn=fn):
                return asyncio.run(run_async(driver, module, fn, dsn, fault))
        else:
            def run(fault, fn=fn):
                return run_sync(driver, module, fn, dsn, fault)
        normal = run(("none", 0))
        runs = [normal] + [run(f) for f in scenarios(normal["operations"], normal["connects"])]
        reports.append({"name": name, "runs": runs})
    real_stdout.write(json.dumps(reports))


if __name__ == "__main__":
    main()
