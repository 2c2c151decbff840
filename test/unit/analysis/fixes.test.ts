// Every fix proven by running the fixed code: for each fixture file the fixes are applied, and the
// fixed file must parse (TypeScript: type-check against @types/pg; Python: compile), re-analyse with
// no fixable finding and nothing new, not change when fixed again, and — run against PostgreSQL
// normally and under faults — leave no client checked out in any function whose leak was fixed, with
// the same result on the normal run as before. The first pass applies the first fix of every finding
// (what fix-all and `pg-health fix` do); the next passes apply each finding's second (third) fix
// instead, the alternatives the quick-fix menu offers, and fix what is left with the first ones.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { analyzeWorkspace, applyEdits, fixesFor, fixFiles, type AppliedFix, type Finding, type TextEdit } from '../../../src/analysis/analyzer';
import { editsOverlap } from '../../../src/analysis/fixes/edits';
import { parseText } from '../../../src/analysis/treeSitter';
import type { FunctionReport } from '../../oracle/faults';
import { repoRoot } from '../../support/paths';
import { startPostgres, type PgServer } from '../../support/postgresServer';
import { fixtureFromText, isFixture, LEAK_RULES, loadCorpus, type FixtureFile } from './corpus';
import { analyserVerdicts, disagreements, PYTHON, runFixtures, SKIP_FILE } from './oracleSupport';

const run = promisify(execFile);

interface FixedFixture {
  original: FixtureFile;
  originalFindings: Finding[];
  fixed: FixtureFile;
  applied: AppliedFix[];
  alternatives: AppliedFix[];
}

/** Names of fixture functions with a leak the analyser could fix (they must not leak once fixed). */
function fixedLeakFunctions(entry: FixedFixture): string[] {
  return entry.original.functions.filter(isFixture).filter((fn) =>
    entry.originalFindings.some((f) => LEAK_RULES.includes(f.rule) && f.fixable && f.range.startLine + 1 >= fn.startLine && f.range.startLine + 1 <= fn.endLine),
  ).map((fn) => fn.name);
}

const normalise = (value: string | undefined): string | undefined => value?.replace(/0x[0-9a-f]+/g, '0x…');

/** node-postgres' error for a second release of a client (Python's pools have their own wording). */
const releasedTwice = (error: string | undefined): boolean => error !== undefined && /already been released|trying to put unkeyed connection|already released/i.test(error);

interface FixedText {
  text: string;
  applied: AppliedFix[];
  /** The alternative fixes this text has (none in the first pass). */
  alternatives: AppliedFix[];
}

type FixFile = (file: FixtureFile) => Promise<FixedText>;

/** What fix-all does: the first fix of every finding, round after round. */
async function firstFixes(file: FixtureFile): Promise<FixedText> {
  const [result] = await fixFiles([{ path: file.relative, text: file.text, language: file.language }]);
  return { text: result?.text ?? file.text, applied: result?.applied ?? [], alternatives: [] };
}

/** The `choice`-th fix of every finding that has one, then the first fixes for whatever is left. */
function alternativeFixes(choice: number): FixFile {
  return async (file) => {
    const [analysis] = await analyzeWorkspace([{ path: file.relative, text: file.text, language: file.language }]);
    const findings = (analysis?.findings ?? []).filter((f) => f.fixable);
    const fixes = await fixesFor(file.text, file.language, findings, { tidy: true });
    assert.ok(fixes.every((f) => f.length <= 2), `${file.relative}: a finding has a third fix; prove it with a pass of its own`);
    const chosen: TextEdit[] = [];
    const alternatives: AppliedFix[] = [];
    findings.forEach((finding, i) => {
      const fix = fixes[i]?.[choice];
      if (!fix) return;
      assert.ok(!editsOverlap(chosen, fix.edits), `${file.relative}: the alternative "${fix.title}" overlaps another one`);
      chosen.push(...fix.edits);
      alternatives.push({ rule: finding.rule, line: finding.range.startLine + 1, title: fix.title });
    });
    const text = applyEdits(file.text, chosen);
    const [rest] = await fixFiles([{ path: file.relative, text, language: file.language }]);
    return { text: rest?.text ?? text, applied: [...alternatives, ...(rest?.applied ?? [])], alternatives };
  };
}

function proveFixes(name: string, dirName: string, fixFile: FixFile, checkCoverage: (entries: FixedFixture[]) => void): void {
  const alternativePass = fixFile !== firstFixes;
  describe(name, function () {
    this.timeout(600_000);
    const fixedDir = path.join(repoRoot, 'out', dirName);
    const corpus = loadCorpus();
    const entries: FixedFixture[] = [];

    before(async () => {
      fs.rmSync(fixedDir, { recursive: true, force: true });
      for (const file of corpus) {
        const [analysis] = await analyzeWorkspace([{ path: file.relative, text: file.text, language: file.language }]);
        const result = await fixFile(file);
        const absolute = path.join(fixedDir, file.relative);
        fs.mkdirSync(path.dirname(absolute), { recursive: true });
        fs.writeFileSync(absolute, result.text);
        entries.push({
          original: file,
          originalFindings: analysis?.findings ?? [],
          fixed: fixtureFromText(absolute, file.relative, result.text),
          applied: result.applied,
          alternatives: result.alternatives,
        });
      }
    });

    it('offers the fixes it should and applies every one it offers', () => {
      checkCoverage(entries);
      for (const entry of entries) {
        const offered = entry.originalFindings.filter((f) => f.fixable).length;
        assert.ok(entry.applied.length >= offered, `${entry.original.relative}: ${offered} fixes offered, ${entry.applied.length} applied`);
      }
    });

    it('every fixed file parses, re-analyses with nothing fixable and nothing new, and fixing again changes nothing', async () => {
      for (const entry of entries) {
        const tree = await parseText(entry.fixed.text, entry.fixed.language);
        assert.ok(tree && !tree.rootNode.hasError, `${entry.fixed.relative}: the fixed text does not parse`);
        tree?.delete();
        const [after] = await analyzeWorkspace([{ path: entry.fixed.relative, text: entry.fixed.text, language: entry.fixed.language }]);
        const left = (after?.findings ?? []).map((f) => f.rule).sort();
        const unfixable = entry.originalFindings.filter((f) => !f.fixable).map((f) => f.rule).sort();
        assert.deepEqual(left, unfixable, `${entry.fixed.relative}: findings after the fix differ from the unfixable ones before`);
        const [again] = await fixFiles([{ path: entry.fixed.relative, text: entry.fixed.text, language: entry.fixed.language }]);
        assert.equal(again?.text, entry.fixed.text, `${entry.fixed.relative}: a second fix changed the text`);
      }
    });

    it('fixed TypeScript fixtures type-check against @types/pg', async () => {
      fs.writeFileSync(
        path.join(fixedDir, 'ts', 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', lib: ['ES2022'], types: ['node'], skipLibCheck: true },
          include: ['*.ts'],
        }),
      );
      const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', path.join(fixedDir, 'ts', 'tsconfig.json')]).catch((error: { stdout?: string }) => {
        assert.fail(`tsc failed on the fixed fixtures:\n${error.stdout ?? String(error)}`);
      });
    });

    it('fixed Python fixtures compile', async function () {
      if (!fs.existsSync(PYTHON)) this.skip();
      const files = entries.filter((e) => e.fixed.language === 'python').map((e) => e.fixed.absolute);
      await run(PYTHON, ['-m', 'py_compile', ...files]).catch((error: { stderr?: string }) => {
        assert.fail(`py_compile failed:\n${error.stderr ?? String(error)}`);
      });
    });

    describe('the fixed code, run against PostgreSQL', () => {
      let server: PgServer | undefined;
      const reports = new Map<string, Promise<[FunctionReport[], FunctionReport[]]>>();
      const runnable = (): FixedFixture[] =>
        entries.filter((e) => (alternativePass ? e.alternatives : e.applied).length > 0 && !SKIP_FILE.test(e.original.text) && (e.original.language !== 'python' || fs.existsSync(PYTHON)));

      before(async () => {
        if (runnable().length === 0) return;
        server = await startPostgres({ maxConnections: 300 });
        for (const entry of runnable()) {
          const both = Promise.all([runFixtures(entry.original, server.connectionString), runFixtures(entry.fixed, server.connectionString)]);
          both.catch(() => undefined); // awaited (and reported) by the test below
          reports.set(entry.original.relative, both);
        }
      });

      after(async () => {
        await server?.stop();
      });

      it('leaves no client checked out where a leak was fixed, agrees with the analyser, and returns what it returned before', async () => {
        const problems: string[] = [];
        for (const entry of runnable()) {
          const [before, after] = await (reports.get(entry.original.relative) as Promise<[FunctionReport[], FunctionReport[]]>);
          const where = entry.original.relative;
          for (const d of disagreements(after, await analyserVerdicts(entry.fixed))) problems.push(`${where}: ${d}`);
          for (const name of fixedLeakFunctions(entry)) {
            const report = after.find((r) => r.name === name);
            const leaking = report?.runs.filter((r) => r.checkedOut > 0) ?? [];
            if (!report || leaking.length) problems.push(`${where}: ${name} still leaks after the fix (${leaking.map((r) => r.fault).join(', ')})`);
            const normalBefore = before.find((r) => r.name === name)?.runs[0];
            const normalAfter = report?.runs[0];
            if (normalBefore && !normalBefore.error && normalise(normalBefore.value) !== normalise(normalAfter?.value)) {
              problems.push(`${where}: ${name} returned ${normalBefore.value} before the fix and ${normalAfter?.value} after`);
            }
            if (normalBefore && !normalBefore.error && normalAfter?.error) problems.push(`${where}: ${name} fails after the fix where it did not before: ${normalAfter.error}`);
            // pg throws on a second release: a fix must not add one on any path, failing or not.
            for (const run of report?.runs ?? []) {
              const was = before.find((r) => r.name === name)?.runs.find((r) => r.fault === run.fault);
              if (releasedTwice(run.error) && !releasedTwice(was?.error)) problems.push(`${where}: ${name} releases twice after the fix (${run.fault}): ${run.error}`);
            }
          }
        }
        assert.deepEqual(problems, []);
      });
    });
  });
}

proveFixes(
  'fixes, proven on the fixture corpus',
  'fixed-fixtures',
  firstFixes,
  (entries) => {
    const all = entries.flatMap((e) => e.originalFindings.filter((f) => f.rule !== 'use-after-release'));
    const fixable = all.filter((f) => f.fixable);
    assert.ok(fixable.length >= all.length * 0.7, `only ${fixable.length} of ${all.length} findings have a fix`);
  },
);

proveFixes(
  "alternative fixes (each finding's second fix), proven on the fixture corpus",
  'fixed-fixtures-alternative',
  alternativeFixes(1),
  (entries) => {
    const titles = entries.flatMap((e) => e.alternatives.map((a) => a.title));
    // The alternatives the corpus has; each kind must be exercised.
    for (const expected of ['Use `with pool.connection() as conn:`', 'Use `async with pool.acquire() as conn:`', 'Wrap in try/finally (pool.putconn(conn) in finally, `with conn:` keeps the transaction)']) {
      assert.ok(titles.includes(expected), `no "${expected}" among the alternatives: ${titles.join(' | ')}`);
    }
  },
);
