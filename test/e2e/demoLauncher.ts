// `npm run demo` as a user starts it: `node scripts/demo.mjs` in a process group of its own (as a
// terminal runs a command), its output read line by line, and the processes it started found in /proc.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Page } from 'playwright-core';
import { repoRoot } from '../support/paths';
import { pressUntilVisible } from './workbench';

export interface DemoLauncher {
  readonly pid: number;
  /** Everything the launcher printed so far (stdout and stderr), in order. */
  output(): string;
  stderr(): string;
  /** Waits for a line that matches and returns its match; fails when the launcher exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** The exit code, once the launcher has exited (null while it runs). */
  exitCode(): number | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl+C in the terminal: SIGINT to every process of the launcher's group. */
  pressCtrlC(): void;
  /** Kills whatever is left of the launcher's process tree (a failed test's clean-up). */
  kill(): void;
}

export function startDemoLauncher(): DemoLauncher {
  const child: ChildProcess = spawn(process.execPath, ['scripts/demo.mjs'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PG_HEALTH_DEMO_BROWSER: '1' },
  });
  const pid = child.pid ?? 0;
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((l) => l());
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    err += text;
    out += text;
    changed();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      changed();
    }),
  );
  return {
    pid,
    output: () => out,
    stderr: () => err,
    exitCode: () => child.exitCode,
    exited,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = out.match(pattern);
          if (match) finish(() => resolve(match));
          else if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`the demo exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`the demo printed no ${pattern} in ${timeoutMs} ms:\n${out}`))), timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    pressCtrlC() {
      process.kill(-pid, 'SIGINT');
    },
    kill() {
      for (const p of [...descendants(pid), pid]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    },
  };
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  args: string;
}

/** Every process on the machine, from /proc. */
export function processes(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      list.push({ pid: Number(entry), ppid: Number(rest[1]), state: rest[0] ?? '?', args });
    } catch {
      // It exited while we looked.
    }
  }
  return list;
}

/** The pids of a process's children, their children, and so on. */
export function descendants(pid: number): number[] {
  const all = processes();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const p of all) {
      if (p.ppid === parent && !found.includes(p.pid)) {
        found.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** Which of these pids still run (a zombie waiting to be reaped does not count: it runs nothing). */
export function stillRunning(pids: number[]): ProcessInfo[] {
  const wanted = new Set(pids);
  return processes().filter((p) => wanted.has(p.pid) && p.state !== 'Z');
}

// ---- the editor ------------------------------------------------------------------------------

/** Ctrl+. at the cursor and picks the code action whose title matches (VS Code's TypeScript may take a while to answer). */
export async function applyQuickFix(page: Page, title: RegExp): Promise<void> {
  const menu = page.locator('.action-widget');
  const action = menu.locator('.monaco-list-row.action', { hasText: title }).first();
  await pressUntilVisible(page, 'Control+Period', menu, action, 15_000, 120_000, `the quick fix menu to list ${String(title)}`);
  // The menu is driven by keys (a click lands on VS Code's pointer block): down to the action, then Enter.
  for (let i = 0; i < 10; i++) {
    const focused = (await menu.locator('.monaco-list-row.action.focused').first().textContent()) ?? '';
    if (title.test(focused)) break;
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden', timeout: 10_000 });
}
