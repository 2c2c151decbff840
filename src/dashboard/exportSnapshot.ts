// Export of the current snapshot. The CSV is opened in spreadsheets, and application names and
// queries are whatever clients sent: quote per RFC 4180 and defuse cells a spreadsheet would run as
// formulas (OWASP "CSV injection").
import { Session, Snapshot } from '../postgres/snapshot';

export function snapshotToJson(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

type CsvValue = string | number | boolean | null;

const COLUMNS: ReadonlyArray<[string, (s: Session) => CsvValue]> = [
  ['pid', (s) => s.pid],
  ['backend_start', (s) => s.backendStart],
  ['usename', (s) => s.user],
  ['datname', (s) => s.database],
  ['application_name', (s) => s.application],
  ['client_addr', (s) => s.clientAddress],
  ['state', (s) => s.state],
  ['backend_type', (s) => s.backendType],
  ['state_seconds', (s) => s.stateSeconds],
  ['transaction_seconds', (s) => s.transactionSeconds],
  ['wait_event_type', (s) => s.waitEventType],
  ['wait_event', (s) => s.waitEvent],
  ['blocked_by', (s) => s.blockedBy.join(' ')],
  ['query_start', (s) => s.queryStart],
  ['xact_start', (s) => s.transactionStart],
  ['state_change', (s) => s.stateChange],
  ['is_monitor', (s) => s.isMonitor],
  ['visible', (s) => s.visible],
  ['query', (s) => s.query],
];

/** Characters that make a spreadsheet treat a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A leading apostrophe makes the cell text in Excel, LibreOffice and Google Sheets.
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The snapshot's sessions as CSV with a header row and CRLF line ends (RFC 4180). */
export function sessionsToCsv(snapshot: Snapshot): string {
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  for (const session of snapshot.sessions) {
    lines.push(COLUMNS.map(([, read]) => csvCell(read(session))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for the export: the connection name reduced to safe characters, and the time. */
export function exportFileName(snapshot: Snapshot, extension: 'json' | 'csv'): string {
  const name = snapshot.connection.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'database';
  const time = snapshot.takenAt.replace(/[:.]/g, '-').replace(/[^0-9A-Za-z-]/g, '');
  return `${name}-${extension === 'csv' ? 'sessions-' : ''}${time}.${extension}`;
}
