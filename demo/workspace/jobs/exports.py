import asyncpg


async def export_customers(pool: asyncpg.Pool, path):
    # unreleased-client: nothing returns the connection to the pool.
    conn = await pool.acquire()
    rows = await conn.fetch("SELECT id, email FROM customers ORDER BY id")
    with open(path, "w") as out:
        for row in rows:
            out.write(f"{row['id']},{row['email']}\n")
    return len(rows)


async def close_month(pool: asyncpg.Pool, month):
    # use-after-release: the connection is back in the pool when fetchval() runs on it.
    conn = await pool.acquire()
    try:
        await conn.execute("UPDATE invoices SET closed = true WHERE month = $1", month)
    finally:
        await pool.release(conn)
    return await conn.fetchval("SELECT count(*) FROM invoices WHERE month = $1", month)


async def unpaid_total(pool: asyncpg.Pool):
    # Safe: `async with` releases the connection.
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT sum(amount) FROM invoices WHERE NOT paid")
