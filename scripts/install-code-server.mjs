#!/usr/bin/env node
// Installs VS Code (as code-server from npm) into .vscode-test/, the way @vscode/test-electron
// caches a desktop VS Code, so `npm ci` stays lean for users and a second run reuses it.
// Offline quirks handled here (see shared/TESTING.md):
// - @vscode/ripgrep's postinstall downloads rg from GitHub; it first looks for a cached archive,
//   so we put Debian's rg there.
// - code-server's postinstall runs npm itself and must run as root: npm_config_yes + --unsafe-perm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, copyFileSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const installDir = path.join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
export const codeServerBin = path.join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function which(cmd) {
  try {
    return execFileSync('which', [cmd], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function seedRipgrepCache() {
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep is needed to install code-server offline: apt-get install ripgrep');
  const cacheDir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = path.join(cacheDir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(archive)) return;
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'rg-'));
  copyFileSync(rg, path.join(staging, 'rg'));
  execFileSync('tar', ['-C', staging, '-czf', archive, 'rg']);
  rmSync(staging, { recursive: true, force: true });
}

export function ensureCodeServer({ quiet = false } = {}) {
  if (existsSync(codeServerBin) && existsSync(path.join(installDir, '.complete'))) return codeServerBin;
  const log = (m) => quiet || console.log(`[code-server] ${m}`);
  log(`installing code-server ${CODE_SERVER_VERSION} into ${path.relative(repoRoot, installDir)} (once; about a minute)…`);
  rmSync(installDir, { recursive: true, force: true });
  mkdirSync(installDir, { recursive: true });
  writeFileSync(path.join(installDir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true, allowScripts: { 'code-server': true, argon2: true } }));
  seedRipgrepCache();
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--unsafe-perm', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: installDir,
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' },
  });
  if (!existsSync(codeServerBin)) throw new Error(`code-server did not install: ${codeServerBin} is missing`);
  writeFileSync(path.join(installDir, '.complete'), new Date().toISOString());
  log('installed.');
  return codeServerBin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureCodeServer();
}
