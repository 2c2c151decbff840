// Builds and runs the Go oracle (test/oracle/go_runner) for one fixture file: the file is its own
// package `fixtures` in a temporary GOPATH, next to the runner and a registry of its functions
// generated here. Go and the drivers come from Debian (golang-go, golang-github-jackc-pgx-v4-dev,
// golang-github-lib-pq-dev), found in GOPATH mode under /usr/share/gocode: no module download.
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { FunctionReport } from '../../oracle/faults';
import { repoRoot } from '../../support/paths';

const run = promisify(execFile);
export const GO = '/usr/bin/go';
const DEBIAN_GOPATH = '/usr/share/gocode';
const built = new Map<string, Promise<string>>();

/** The environment `go` builds in: GOPATH mode, no network, caches in the temp folder. */
export function goEnv(gopath: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    GO111MODULE: 'off',
    GOPATH: `${gopath}${path.delimiter}${DEBIAN_GOPATH}`,
    GOCACHE: path.join(os.tmpdir(), 'pg-health-gocache'),
    GOFLAGS: '',
    GOPROXY: 'off',
    CGO_ENABLED: '0',
  };
}

/** registry.go: the file's fixture functions by the pool they take, and how to give back what they keep. */
function registry(text: string, names: readonly string[]): string {
  const pgx: string[] = [];
  const sql: string[] = [];
  for (const name of names) {
    const header = new RegExp(`^func\\s+${name}\\s*\\(\\s*\\w+\\s+context\\.Context\\s*,\\s*\\w+\\s+\\*(pgxpool\\.Pool|sql\\.DB)\\s*\\)`, 'm').exec(text);
    if (header?.[1] === 'pgxpool.Pool') pgx.push(name);
    else if (header?.[1] === 'sql.DB') sql.push(name);
  }
  const kept = [...text.matchAll(/^var\s+(Kept\w*)\s+\*(pgxpool|sql)\.Conn/gm)].map((m) =>
    `\tif f.${m[1]} != nil {\n\t\tf.${m[1]}.${m[2] === 'pgxpool' ? 'Release()' : 'Close()'}\n\t\tf.${m[1]} = nil\n\t\tn++\n\t}`,
  );
  return [
    'package main',
    '',
    'import (',
    '\t"context"',
    '\t"database/sql"',
    '',
    '\t"github.com/jackc/pgx/v4/pgxpool"',
    '\tf "oracle/fixtures"',
    ')',
    '',
    `var pgxFixtures = map[string]func(context.Context, *pgxpool.Pool) error{${pgx.map((n) => `\n\t"${n}": f.${n},`).join('')}\n}`,
    '',
    `var sqlFixtures = map[string]func(context.Context, *sql.DB) error{${sql.map((n) => `\n\t"${n}": f.${n},`).join('')}\n}`,
    '',
    'func handOver() int {',
    '\tn := 0',
    ...kept,
    '\treturn n',
    '}',
    '',
  ].join('\n');
}

/** Compiles the runner with `text` as its fixtures (once per text); resolves to the binary. */
export function buildGoRunner(text: string, names: readonly string[]): Promise<string> {
  const key = crypto.createHash('sha256').update(text).update(names.join(',')).digest('hex').slice(0, 16);
  let binary = built.get(key);
  if (!binary) {
    binary = (async () => {
      const gopath = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-gopath-'));
      const main = path.join(gopath, 'src', 'oracle');
      fs.mkdirSync(path.join(main, 'fixtures'), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, 'test', 'oracle', 'go_runner', 'main.go'), path.join(main, 'main.go'));
      fs.writeFileSync(path.join(main, 'registry.go'), registry(text, names));
      fs.writeFileSync(path.join(main, 'fixtures', 'fixtures.go'), text);
      const out = path.join(gopath, 'runner');
      await run(GO, ['build', '-o', out, '.'], { cwd: main, env: goEnv(gopath), timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
      return out;
    })();
    built.set(key, binary);
  }
  return binary;
}

/** Runs a Go fixture file's functions for real and returns what each run left behind. */
export async function runGoFixtures(text: string, names: readonly string[], connectionString: string): Promise<FunctionReport[]> {
  const binary = await buildGoRunner(text, names);
  const { stdout } = await run(binary, [connectionString, JSON.stringify(names)], { timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as FunctionReport[];
}
