// RuleTester-style corpus: every fixture file's findings must be exactly its `expect:` labels (rule and
// line), no more and no less; `safe` functions stay silent.
import * as assert from 'node:assert/strict';
import { analyzeWorkspace, RULES } from '../../../src/analysis/analyzer';
import { isFixture, loadCorpus, type FixtureFile } from './corpus';

const corpus = loadCorpus();

function describeCounts(files: FixtureFile[]): { total: number; safe: number } {
  const fixtures = files.flatMap((f) => f.functions.filter(isFixture));
  return { total: fixtures.length, safe: fixtures.filter((f) => f.safe).length };
}

describe('analyser fixture corpus', () => {
  it('has at least 150 fixture functions across JS, TS and Python, a third of them safe', () => {
    const { total, safe } = describeCounts(corpus);
    assert.ok(total >= 150, `only ${total} fixture functions`);
    assert.ok(safe * 3 >= total, `only ${safe} of ${total} fixtures are safe`);
    for (const dir of ['js/', 'ts/', 'py/']) {
      assert.ok(describeCounts(corpus.filter((f) => f.relative.startsWith(dir))).total >= 30, `too few fixtures in ${dir}`);
    }
  });

  it('labels every fixture either safe or with the findings it must produce', () => {
    for (const file of corpus) {
      for (const fn of file.functions.filter(isFixture)) {
        const labelled = fn.expectations.length > 0;
        assert.ok(fn.safe !== labelled, `${file.relative}: ${fn.name} must be marked either "safe" or with "expect:" lines`);
      }
    }
  });

  it('exercises every rule', () => {
    const rules = new Set(corpus.flatMap((f) => f.expectations.map((e) => e.rule)));
    for (const rule of RULES) assert.ok(rules.has(rule.id), `no fixture expects ${rule.id}`);
  });

  for (const file of corpus) {
    it(`${file.relative}: findings are exactly the expected ones`, async () => {
      const [result] = await analyzeWorkspace([{ path: file.relative, text: file.text, language: file.language }]);
      assert.ok(result && !result.skipped, `${file.relative} was skipped: ${result?.skipped}`);
      const actual = result.findings.map((f) => `${f.range.startLine + 1} ${f.rule}`).sort();
      const expected = file.expectations.map((e) => `${e.line} ${e.rule}`).sort();
      const messages = result.findings.map((f) => `  ${f.range.startLine + 1} ${f.rule}: ${f.message}`).join('\n');
      assert.deepEqual(actual, expected, `findings differ in ${file.relative}; the analyser said:\n${messages}`);
    });
  }
});
