// Shared by the editor integration tests: polling with a deadline, our diagnostics on a file, and a
// small leaky module to write into the workspace.
import * as vscode from 'vscode';

const POLL_MS = 50;

/** Polls until `probe` returns something truthy and returns it; the deadline only bounds a failure, it is not a sleep. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The diagnostics this extension put on `uri`. */
export function pgDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'pg-health');
}

/** A module whose client is not released when the query throws (release-not-guaranteed at the acquire). */
export const LEAKY_JS = `const { Pool } = require('pg');
const pool = new Pool();

async function countRows() {
  const client = await pool.connect();
  const result = await client.query('SELECT count(*) FROM t');
  client.release();
  return result.rows[0].count;
}

module.exports = { countRows };
`;
