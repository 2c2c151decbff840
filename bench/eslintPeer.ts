// The peer for whole-workspace analysis: ESLint 9 with one rule that visits every CallExpression (the
// least a lint-based leak checker must do), espree for .js/.mjs/.cjs as modules, @typescript-eslint/parser
// for .ts, on the given folder with N linting threads. To prove it did the work, the rule reports once
// per file with the number of calls it saw; the report counts those, the parse errors, and the
// "File ignored" warnings ESLint gives instead of linting (see TESTING.md's benchmark traps).
// `node out/bench/eslintPeer.js DIR [--threads N]` prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';

export interface EslintReport {
  threads: number;
  files: number;
  /** One per linted file from the benchmark rule. */
  ruleReports: number;
  /** Call expressions the rule visited, summed over files. */
  calls: number;
  parseErrors: number;
  ignored: number;
  otherMessages: number;
  wallMs: number;
}

const RULE_ID = 'bench/call-expressions';

/** The flat config, written next to the corpus at run time: a config must be a module file when ESLint lints on several threads. */
function configSource(): string {
  const tsParser = pathToFileURL(require.resolve('@typescript-eslint/parser')).href;
  return `// Written by bench/eslintPeer.ts for one benchmark run.
import tsParser from ${JSON.stringify(tsParser)};

const callExpressions = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    let calls = 0;
    return {
      CallExpression() {
        calls++;
      },
      'Program:exit'(node) {
        context.report({ node, message: String(calls) });
      },
    };
  },
};

const plugins = { bench: { rules: { 'call-expressions': callExpressions } } };
const rules = { ${JSON.stringify(RULE_ID)}: 'error' };

export default [
  // ESLint ignores node_modules by default; the corpus has none, and this keeps it so if it ever does.
  { ignores: ['!**/node_modules/'] },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: true } } },
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
    plugins,
    rules,
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tsParser, sourceType: 'module' },
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
    plugins,
    rules,
  },
];
`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const threadsAt = args.indexOf('--threads');
  const threads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : os.availableParallelism();
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--threads');
  if (!dir) throw new Error('usage: eslintPeer DIR [--threads N]');
  // Outside the corpus, so no tool ever counts it as a source file.
  const configFile = path.join(os.tmpdir(), `pg-health-bench-eslint-${process.pid}.config.mjs`);
  fs.writeFileSync(configFile, configSource());
  const eslint = new ESLint({
    cwd: path.resolve(dir),
    overrideConfigFile: configFile,
    cache: false,
    concurrency: threads > 1 ? threads : 'off',
  });
  const results = await eslint.lintFiles(['.']);
  fs.rmSync(configFile, { force: true });
  const report: EslintReport = { threads, files: results.length, ruleReports: 0, calls: 0, parseErrors: 0, ignored: 0, otherMessages: 0, wallMs: 0 };
  for (const result of results) {
    for (const message of result.messages) {
      if (message.ruleId === RULE_ID) {
        report.ruleReports++;
        report.calls += Number(message.message);
      } else if (message.fatal) report.parseErrors++;
      else if (/^File ignored/.test(message.message)) report.ignored++;
      else report.otherMessages++;
    }
  }
  report.wallMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
