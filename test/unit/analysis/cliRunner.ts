// Runs the compiled `pg-health` CLI in a child process, as CI runs it.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const cli = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
