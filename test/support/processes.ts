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

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to every process of a process group and waits until the group is empty; SIGKILL
 * after `graceMs`. A group whose leader already exited may still hold its children.
 */
export async function stopProcessGroup(pgid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const send = (s: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, s);
    } catch {
      // The group is empty already.
    }
  };
  send(signal);
  const killAt = Date.now() + graceMs;
  // Zombies still count as members until they are reaped: give up waiting two seconds after SIGKILL.
  const giveUpAt = killAt + 2_000;
  let killed = false;
  while (groupAlive(pgid) && Date.now() < giveUpAt) {
    if (!killed && Date.now() > killAt) {
      send('SIGKILL');
      killed = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
