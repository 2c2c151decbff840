const { Pool } = require('pg');

const pool = new Pool();

// Callback form: the error branch returns before done() is called.
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

// Released twice: pg throws "Release called on client which has already been released".
async function archive(before) {
  const client = await pool.connect();
  try {
    await client.query('DELETE FROM orders WHERE created_at < $1', [before]);
    client.release();
  } finally {
    client.release();
  }
}

module.exports = { dailyTotals, archive };
