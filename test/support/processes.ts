// Stopping the servers the tests start (PostgreSQL, PgBouncer, code-server): one signal, a grace
// period, then SIGKILL.
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` and waits for the process to exit; SIGKILL after `graceMs`. Nothing when it already exited. */
export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
