// Everything the reliability scenarios saw that a user (or an attacker reading logs) could see:
// log lines, node statuses, error and action messages, dashboard payloads and webview state. The
// secrets scenario greps all of it for passwords; the closing report prints the figures.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '../../../src/postgres/logger';
import { SnapshotStore } from '../../../src/postgres/store';
import { testResultsDir } from '../../support/paths';

/** Passwords used by the scenarios: distinctive, so any fragment in captured text is found. */
export const SECRET_MARK = 'RELSECRET';
export const MONITOR_PASSWORD = `mon-${SECRET_MARK}-q'"@:/ %x`;
export const APP_PASSWORD = `app-${SECRET_MARK}-7f3c9e`;
export const STRING_PASSWORD = `url-${SECRET_MARK}-p@ss:w/rd`;

const secrets = new Set<string>([MONITOR_PASSWORD, APP_PASSWORD, STRING_PASSWORD, SECRET_MARK]);

/** Adds a password (and its URI-encoded form) to the ones grepped for. */
export function registerSecret(password: string): void {
  secrets.add(password);
  secrets.add(encodeURIComponent(password));
}
for (const s of [...secrets]) registerSecret(s);

export interface Captured {
  source: string;
  text: string;
}

const captured: Captured[] = [];

export function capture(source: string, text: string): void {
  captured.push({ source, text });
}

export function capturedTexts(): readonly Captured[] {
  return captured;
}

const WINDOW = 8;

/** Every 8-character piece of every secret: a truncated or partly redacted password is still a leak. */
function secretPieces(): Set<string> {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    if (secret.length <= WINDOW) pieces.add(secret);
    for (let i = 0; i + WINDOW <= secret.length; i++) pieces.add(secret.slice(i, i + WINDOW));
  }
  return pieces;
}

/** The captured texts that contain a registered secret or any 8-character piece of one. */
export function leaks(texts: readonly Captured[] = captured): Captured[] {
  const pieces = [...secretPieces()];
  return texts.filter((c) => pieces.some((p) => c.text.includes(p)));
}

/** A src/postgres Logger that records every line (as the output channel would get it). */
export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  constructor(private readonly source: string) {}
  info(message: string): void {
    this.record('info', message);
  }
  warn(message: string): void {
    this.record('warn', message);
  }
  error(message: string): void {
    this.record('error', message);
  }
  private record(level: string, message: string): void {
    const line = `[${level}] ${message}`;
    this.lines.push(line);
    capture(`log:${this.source}`, line);
  }
}

/** Records every status and snapshot the store publishes (what the tree, dashboard and status bar render). */
export function captureStore(store: SnapshotStore, source: string): void {
  store.onDidChange((name) => {
    const state = store.get(name);
    if (state) capture(`status:${source}`, JSON.stringify(state.status));
  });
}

const figures: Record<string, Record<string, unknown>> = {};

/** A figure for the closing report (printed after the run and saved to test-results/). */
export function report(scenario: string, key: string, value: unknown): void {
  (figures[scenario] ??= {})[key] = value;
}

export function writeReport(): void {
  if (Object.keys(figures).length === 0) return;
  fs.mkdirSync(testResultsDir, { recursive: true });
  fs.writeFileSync(path.join(testResultsDir, 'reliability-report.json'), JSON.stringify(figures, null, 2));
  console.log('\n  Reliability figures (also in test-results/reliability-report.json):');
  for (const [scenario, values] of Object.entries(figures)) {
    console.log(`    ${scenario}`);
    for (const [key, value] of Object.entries(values)) console.log(`      ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
}
