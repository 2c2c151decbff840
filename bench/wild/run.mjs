#!/usr/bin/env node
// The analyser on code we did not write: runs `pg-health check` (dist/cli.js, built by `npm run
// build`) on every repository of bench/wild/repos-*.tsv at its pinned commit and scores the findings
// against the labels people wrote by reading the code:
//   findings-*.tsv  a finding (repo, path, line, rule) judged true, false or debatable; for a true one,
//                 `cause` says what its message must name to explain the leak: `text:<words>` (e.g.
//                 text:`cur.execute` — the call that realistically fails, or text:never released), so a
//                 message that changes is judged again on every run;
//   recall-*.tsv    an acquire (repo, path, line of the acquire call) judged leak or safe, labelled
//                 before looking at the analyser's answer.
// Prints precision (debatable counts as false), recall and the share of true findings with a
// realistic cause, per language and per rule, and lists findings that have no label yet.
//
// The repositories are not in this project: bring each with the search tool's `fetch`
// (github:owner/name); it lands in /work/.mirror/owner+name/repo (or $WILD_MIRROR/owner+name/repo).
// Only repository, commit, path, line and our labels are kept here, never their code.
//
//   node bench/wild/run.mjs [--repo owner/name] [--unlabeled] [--json FILE] [--cli path/to/cli.js]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
// --cli FILE measures another build (e.g. a copy of an earlier dist/ for before/after numbers).
const cli = path.resolve(arg('--cli') ?? path.join(root, 'dist', 'cli.js'));
const mirror = process.env.WILD_MIRROR ?? '/work/.mirror';
const work = path.join(os.tmpdir(), 'pg-health-wild-src');
const LEAK_RULES = new Set(['unreleased-client', 'release-not-guaranteed', 'with-does-not-release']);

const onlyRepo = arg('--repo');
const showUnlabeled = process.argv.includes('--unlabeled');
const jsonOut = arg('--json');

/** Rows of a tab-separated table with a header line; '#' lines and blank lines are skipped. */
export function readTable(file) {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [head, ...rows] = lines;
  if (!head) return [];
  const columns = head.split('\t');
  return rows.map((line, i) => {
    const cells = line.split('\t');
    const row = Object.fromEntries(columns.map((c, k) => [c, (cells[k] ?? '').trim()]));
    row.__line = i + 2;
    return row;
  });
}

function tables(prefix) {
  return fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.tsv') && f.startsWith(`${prefix}-`))
    .flatMap((f) => readTable(path.join(here, f)).map((r) => ({ ...r, __file: f })));
}

// What the analyser reads (and .gitignore, which the CLI honours); other files are not extracted.
const WANTED = /(\.(js|jsx|mjs|cjs|ts|tsx|mts|cts|py)|(^|\/)\.gitignore)$/;
// Java and C# repositories (repos-jvmnet.tsv) are checked on their own language's files only, so the
// JS/Python repositories' extracted trees and numbers stay as they were.
// Go sources only for the Go tables' repositories.
const WANTED_BY_LANGUAGE = { go: /(\.go|(^|\/)\.gitignore)$/, java: /(\.java|(^|\/)\.gitignore)$/, csharp: /(\.cs|(^|\/)\.gitignore)$/ };

function gitDirOf(repo) {
  const base = path.join(mirror, repo.replace('/', '+'), 'repo');
  for (const candidate of [base, path.join(base, '.git')]) if (fs.existsSync(path.join(candidate, 'objects'))) return candidate;
  return undefined;
}

/**
 * The repository's source files at `commit`, written under the work folder once. Blob by blob through
 * `git cat-file --batch`: snapshots lack files of 4 MiB and more, which would fail `git archive`.
 */
function checkout(repo, commit, language) {
  const wanted = WANTED_BY_LANGUAGE[language] ?? WANTED;
  const gitDir = gitDirOf(repo);
  if (!gitDir) return { error: `not fetched (fetch github:${repo})` };
  const dir = path.join(work, `${repo.replace('/', '+')}@${commit.slice(0, 12)}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let entries;
  try {
    const listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit], { maxBuffer: 1 << 30 }).toString('utf8');
    entries = listing
      .split('\0')
      .filter((line) => line !== '')
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode, type, oid] = line.slice(0, tab).split(' ');
        return { mode, type, oid, file: line.slice(tab + 1) };
      })
      .filter((e) => e.type === 'blob' && e.mode !== '120000' && wanted.test(e.file));
  } catch (error) {
    return { error: `cannot list ${commit}: ${String(error.message ?? error).split('\n')[0]}` };
  }
  const batch = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: entries.map((e) => e.oid).join('\n') + '\n', maxBuffer: 1 << 30 });
  const out = batch.stdout;
  let at = 0;
  let missing = 0;
  for (const entry of entries) {
    const headerEnd = out.indexOf(10, at);
    const header = out.subarray(at, headerEnd).toString('utf8');
    at = headerEnd + 1;
    if (header.endsWith(' missing')) {
      missing++;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const target = path.join(dir, entry.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.subarray(at, at + size));
    at += size + 1;
  }
  if (missing > 0) process.stderr.write(`${repo}: ${missing} source files missing from the snapshot (left out)\n`);
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return { dir };
}

function check(dir) {
  const run = spawnSync(process.execPath, [cli, 'check', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0 && run.status !== 1) return { error: `pg-health check exited ${run.status}: ${(run.stderr ?? '').split('\n')[0]}` };
  const parsed = JSON.parse(run.stdout);
  // file is "./path" (as given on the command line joined with the relative path).
  const findings = parsed.findings.map((f) => ({ ...f, path: f.file.replace(/^\.\//, '') }));
  return { findings, filesScanned: parsed.filesScanned, skipped: parsed.skipped };
}

/** Whether a true finding's message names what its label says explains the leak. */
function causeNamed(label, message) {
  if (label.cause.startsWith('text:')) return message.includes(label.cause.slice(5));
  return label.cause === 'yes';
}

const ratio = (a, b) => (b === 0 ? '—' : `${(a / b).toFixed(3)} (${a}/${b})`);

function main() {
  if (!fs.existsSync(cli)) {
    console.error('dist/cli.js is missing: run `npm run build` first');
    process.exit(2);
  }
  const repos = tables('repos').filter((r) => !onlyRepo || r.repo === onlyRepo);
  const findingLabels = tables('findings');
  const recallLabels = tables('recall');
  const byRepo = new Map();
  const problems = [];
  for (const r of repos) {
    const out = checkout(r.repo, r.commit, r.language);
    if (out.error) {
      problems.push(`${r.repo}: ${out.error}`);
      continue;
    }
    const result = check(out.dir);
    if (result.error) {
      problems.push(`${r.repo}: ${result.error}`);
      continue;
    }
    byRepo.set(r.repo, { ...result, language: r.language });
    process.stderr.write(`${r.repo}: ${result.findings.length} findings in ${result.filesScanned} files\n`);
  }

  // Precision and causes, over the labelled findings the analyser still reports.
  const key = (repo, p, line, rule) => `${repo}\u0000${p}\u0000${line}\u0000${rule}`;
  const labelled = new Map(findingLabels.map((l) => [key(l.repo, l.path, l.line, l.rule), l]));
  const stats = new Map();
  const bucket = (name) => {
    if (!stats.has(name)) stats.set(name, { reported: 0, labelled: 0, true: 0, causeOk: 0, recallLeaks: 0, recallFound: 0, safeFlagged: 0, safe: 0 });
    return stats.get(name);
  };
  const unlabeled = [];
  const stillFalse = [];
  const wrongCause = [];
  const goneFalse = [];
  const goneTrue = [];
  const seen = new Set();
  for (const [repo, result] of byRepo) {
    for (const f of result.findings) {
      const k = key(repo, f.path, String(f.line), f.rule);
      seen.add(k);
      const label = labelled.get(k);
      for (const b of ['all', `lang:${result.language}`, `rule:${f.rule}`]) {
        const s = bucket(b);
        s.reported++;
        if (label) {
          s.labelled++;
          if (label.verdict === 'true') {
            s.true++;
            if (causeNamed(label, f.message)) s.causeOk++;
          }
        }
      }
      if (!label) unlabeled.push(`${repo}\t${f.path}\t${f.line}\t${f.rule}\t${f.message}`);
      else if (label.verdict !== 'true') stillFalse.push(`${repo} ${f.path}:${f.line} ${f.rule} (${label.verdict}: ${label.why})`);
      else if (!causeNamed(label, f.message)) wrongCause.push(`${repo} ${f.path}:${f.line} ${f.rule} — ${f.message}`);
    }
  }
  for (const l of findingLabels) {
    if (!byRepo.has(l.repo) || seen.has(key(l.repo, l.path, l.line, l.rule))) continue;
    (l.verdict === 'true' ? goneTrue : goneFalse).push(`${l.repo} ${l.path}:${l.line} ${l.rule} (${l.verdict}: ${l.why})`);
  }

  // The stratified sample: each repository's first 3 current findings in file order must be judged,
  // or the precision above drifts toward whatever was judged before. These still need a label.
  const sampleUnjudged = [];
  for (const [repo, result] of byRepo) {
    const ordered = [...result.findings].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
    for (const f of ordered.slice(0, 3)) {
      if (!labelled.has(key(repo, f.path, String(f.line), f.rule))) sampleUnjudged.push(`${repo}\t${f.path}\t${f.line}\t${f.rule}\t${f.message}`);
    }
  }

  // Recall over the acquires labelled leak; safe ones that are flagged are false alarms.
  const missed = [];
  const falseAlarms = [];
  for (const l of recallLabels) {
    const result = byRepo.get(l.repo);
    if (!result) continue;
    const flagged = result.findings.some((f) => f.path === l.path && String(f.line) === l.line && LEAK_RULES.has(f.rule));
    for (const b of ['all', `lang:${result.language}`]) {
      const s = bucket(b);
      if (l.label === 'leak') {
        s.recallLeaks++;
        if (flagged) s.recallFound++;
      } else if (l.label === 'safe') {
        s.safe++;
        if (flagged) s.safeFlagged++;
      }
    }
    if (l.label === 'leak' && !flagged) missed.push(`${l.repo} ${l.path}:${l.line} ${l.function} — ${l.why}`);
    if (l.label === 'safe' && flagged) falseAlarms.push(`${l.repo} ${l.path}:${l.line} ${l.function} — ${l.why}`);
  }

  const rows = [...stats.entries()].sort(([a], [b]) => (a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b)));
  console.log(`\n${byRepo.size} repositories analysed, ${findingLabels.length} finding labels, ${recallLabels.length} acquire labels\n`);
  console.log('| scope | findings | labelled | precision | realistic cause (of true) | recall | safe acquires flagged |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, s] of rows) {
    console.log(`| ${name} | ${s.reported} | ${s.labelled} | ${ratio(s.true, s.labelled)} | ${ratio(s.causeOk, s.true)} | ${ratio(s.recallFound, s.recallLeaks)} | ${ratio(s.safeFlagged, s.safe)} |`);
  }
  const list = (title, items) => {
    if (items.length === 0) return;
    console.log(`\n${title} (${items.length}):`);
    for (const item of items) console.log(`  ${item}`);
  };
  list('Labelled false or debatable, still reported', stillFalse);
  list('True, but the message does not name a realistic cause (as labelled)', wrongCause);
  list('Missed leaks', missed);
  list('Safe acquires flagged', falseAlarms);
  list('Labelled true, no longer reported', goneTrue);
  list('Labelled false or debatable, no longer reported', goneFalse);
  list('Problems', problems);
  list('In the sample (first 3 per repository) but not judged yet: label these', sampleUnjudged);
  if (showUnlabeled) list('Unlabelled findings (repo, path, line, rule, message)', unlabeled);
  else if (unlabeled.length > 0) console.log(`\n${unlabeled.length} findings have no label (--unlabeled lists them).`);
  if (jsonOut) {
    fs.writeFileSync(jsonOut, JSON.stringify({ stats: Object.fromEntries(stats), stillFalse, wrongCause, missed, falseAlarms, goneTrue, goneFalse, problems, sampleUnjudged, unlabeled }, null, 2));
  }
}

main();
