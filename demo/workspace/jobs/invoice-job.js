// invoice-job: every few seconds, remind customers of their overdue invoices.
// `npm run demo` runs this very file: its leaked clients are the invoice-job sessions in the
// PostgreSQL Health view.
'use strict';

/** Sends one reminder per overdue invoice nobody was reminded of yet; returns how many it sent. */
async function sendReminders(pool, remind) {
  const client = await pool.connect();
  const { rows } = await client.query(
    'SELECT id, customer_id, due FROM invoices WHERE due < current_date AND NOT paid AND reminded_at IS NULL',
  );
  if (rows.length === 0) {
    // Leaks: on every run with nothing to do, the client is never given back to the pool.
    return 0;
  }
  for (const invoice of rows) {
    await remind(invoice);
    await client.query('UPDATE invoices SET reminded_at = now() WHERE id = $1', [invoice.id]);
  }
  client.release();
  return rows.length;
}

module.exports = { sendReminders };
