// `pg-health status CONNECTION_STRING [--json]` — filled in by the monitor work (issue 5).
export async function runStatus(_argv: string[]): Promise<number> {
  process.stderr.write('pg-health status: not available yet\n');
  return 2;
}
