import { Pool, PoolClient } from 'pg';

const pool = new Pool({ max: 10 });

// release-not-guaranteed: release() only runs on the happy path; a failing query leaks the client.
export async function countOrders(customerId: number): Promise<number> {
  const client = await pool.connect();
  const result = await client.query('SELECT count(*) FROM orders WHERE customer_id = $1', [customerId]);
  client.release();
  return Number(result.rows[0].count);
}

// unreleased-client: nothing ever gives this client back to the pool.
export async function exportOrders(since: Date): Promise<unknown[]> {
  const client = await pool.connect();
  const result = await client.query('SELECT * FROM orders WHERE created_at >= $1 ORDER BY id', [since]);
  return result.rows;
}

// double-release: the catch releases and rethrows, then finally releases again
// (pg throws "Release called on client which has already been released to the pool").
export async function refundOrder(orderId: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('UPDATE orders SET total = 0 WHERE id = $1', [orderId]);
  } catch (err) {
    client.release();
    throw err;
  } finally {
    client.release();
  }
}

// use-after-release: the client is back in the pool, maybe serving another request, when the
// second query runs on it.
export async function orderTotal(orderId: number): Promise<number> {
  const client = await pool.connect();
  let total: number;
  try {
    const result = await client.query('SELECT total FROM orders WHERE id = $1', [orderId]);
    total = Number(result.rows[0].total);
  } finally {
    client.release();
  }
  await client.query('UPDATE orders SET viewed_at = now() WHERE id = $1', [orderId]);
  return total;
}

// Safe: the release sits in finally, and a failed transaction is rolled back.
export async function placeOrder(customerId: number, total: number): Promise<void> {
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO orders (customer_id, total) VALUES ($1, $2)', [customerId, total]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
