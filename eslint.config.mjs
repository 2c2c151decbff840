import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test/fixtures/**', 'demo/workspace/**', 'bench/tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The analyser and the PostgreSQL layer are used by the CLI, the unit tests and the benchmarks:
    // they must run without VS Code.
    files: ['src/analysis/**/*.ts', 'src/postgres/**/*.ts', 'src/cli/**/*.ts', 'src/history/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/analysis, src/postgres, src/history and src/cli must not depend on VS Code.' }] }],
    },
  },
);
