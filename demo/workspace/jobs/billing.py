import psycopg2.pool
from psycopg_pool import ConnectionPool

legacy_pool = psycopg2.pool.ThreadedConnectionPool(1, 10)
pool = ConnectionPool(min_size=1, max_size=10)


def send_invoices(month):
    # release-not-guaranteed: a failing execute() skips putconn().
    conn = legacy_pool.getconn()
    cur = conn.cursor()
    cur.execute("SELECT id, email FROM invoices WHERE month = %s", (month,))
    rows = cur.fetchall()
    legacy_pool.putconn(conn)
    return rows


def mark_paid(invoice_id):
    # with-does-not-release: `with conn:` commits or rolls back; it does NOT give the connection back to the pool.
    conn = legacy_pool.getconn()
    with conn:
        with conn.cursor() as cur:
            cur.execute("UPDATE invoices SET paid = true WHERE id = %s", (invoice_id,))


def cancel_invoice(invoice_id):
    # double-release: the except puts the connection back, then finally puts it back again.
    conn = legacy_pool.getconn()
    try:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM invoices WHERE id = %s", (invoice_id,))
        conn.commit()
    except Exception:
        legacy_pool.putconn(conn)
        raise
    finally:
        legacy_pool.putconn(conn)


def overdue():
    # Safe: the pool's context manager returns the connection.
    with pool.connection() as conn:
        return conn.execute("SELECT id FROM invoices WHERE due < now() AND NOT paid").fetchall()
