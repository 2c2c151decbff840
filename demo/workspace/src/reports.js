const { Pool } = require('pg');

const pool = new Pool();

// release-not-guaranteed (callback form): the error branch returns before done() is called.
function dailyTotals(day, callback) {
  pool.connect((err, client, done) => {
    if (err) return callback(err);
    client.query('SELECT sum(total) FROM orders WHERE created_at::date = $1', [day], (queryErr, result) => {
      if (queryErr) return callback(queryErr);
      done();
      callback(null, result.rows[0].sum);
    });
  });
}

// unreleased-client: every call keeps one client checked out for good.
async function topCustomers(limit) {
  const client = await pool.connect();
  const { rows } = await client.query('SELECT customer_id, sum(total) AS spent FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT $1', [limit]);
  return rows;
}

// double-release: pg throws "Release called on client which has already been released".
async function archive(before) {
  const client = await pool.connect();
  try {
    await client.query('DELETE FROM orders WHERE created_at < $1', [before]);
    client.release();
  } finally {
    client.release();
  }
}

// use-after-release: the count runs on a client that already went back to the pool.
async function monthlyReport(month) {
  const client = await pool.connect();
  try {
    await client.query('REFRESH MATERIALIZED VIEW monthly_totals');
  } finally {
    client.release();
  }
  const { rows } = await client.query('SELECT * FROM monthly_totals WHERE month = $1', [month]);
  return rows;
}

module.exports = { dailyTotals, topCustomers, archive, monthlyReport };
