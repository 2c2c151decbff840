import { Pool, PoolClient } from 'pg';

const pool = new Pool({ max: 10 });

// Leaks a client whenever the query throws: release() only runs on the happy path.
export async function countOrders(customerId: number): Promise<number> {
  const client = await pool.connect();
  const result = await client.query('SELECT count(*) FROM orders WHERE customer_id = $1', [customerId]);
  client.release();
  return Number(result.rows[0].count);
}

// Leaks on the early return: the client is never released for unknown customers.
export async function lastOrder(customerId: number): Promise<unknown> {
  const client = await pool.connect();
  const customer = await client.query('SELECT id FROM customers WHERE id = $1', [customerId]);
  if (customer.rowCount === 0) {
    return null;
  }
  const result = await client.query('SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 1', [customerId]);
  client.release();
  return result.rows[0];
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
