import * as vscode from 'vscode';
import { redactSecrets } from './postgres/errors';

/** Removes anything that looks like a password before it reaches the log (the same rules as error messages). */
export function redact(text: string): string {
  return redactSecrets(text);
}

/** The "PostgreSQL Health" output channel; every line goes through redact(). */
export class Logger implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('PostgreSQL Health', { log: true });

  info(message: string): void {
    this.channel.info(redact(message));
  }

  warn(message: string): void {
    this.channel.warn(redact(message));
  }

  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? `: ${err.message}` : err !== undefined ? `: ${String(err)}` : '';
    this.channel.error(redact(message + detail));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
