// Builds the bundles: the extension (Node, CommonJS) with the analyser and `pg` as bundles of their
// own that it loads when first needed, the dashboard webview (browser, IIFE) and the CLI.
// `--production` minifies, `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, chmod, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Tree-sitter runtime and the grammars the analyser loads lazily at run time.
const WASM_FILES = [
  'tree-sitter.wasm',
  'tree-sitter-javascript.wasm',
  'tree-sitter-typescript.wasm',
  'tree-sitter-tsx.wasm',
  'tree-sitter-python.wasm',
  'tree-sitter-go.wasm',
  'tree-sitter-java.wasm',
  'tree-sitter-c-sharp.wasm',
];

async function copyAssets() {
  const from = path.join('node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
  await mkdir(path.join('dist', 'wasm'), { recursive: true });
  await Promise.all(WASM_FILES.map((f) => copyFile(path.join(from, f), path.join('dist', 'wasm', f))));
}

/** @type {esbuild.Plugin} */
const reportProblems = {
  name: 'report-problems',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log(`[watch] built ${build.initialOptions.outfile}`);
    });
  },
};

/**
 * Keeps the analyser and `pg` out of dist/extension.js: their imports become requires of the bundles
 * next to it (dist/analyzer.js, dist/pg.js), which run only when the extension first analyses a file
 * or opens a connection. Activation then loads (and V8 parses) a third of the code it would otherwise.
 * The analyser's own modules are left alone, and type-only imports are gone before this runs.
 */
/** @type {esbuild.Plugin} */
const lazyBundles = {
  name: 'lazy-bundles',
  setup(build) {
    build.onResolve({ filter: /^pg$/ }, () => ({ path: './pg.js', external: true }));
    build.onResolve({ filter: /\/analysis\/analyzer$/ }, (args) =>
      args.importer.includes(`${path.sep}src${path.sep}analysis${path.sep}`) ? undefined : { path: './analyzer.js', external: true },
    );
  },
};

const require = createRequire(import.meta.url);

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [reportProblems],
};

const configs = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [...common.plugins, lazyBundles],
    // import() of those bundles as require(), as Node loads CommonJS: no ESM loader in the extension host.
    supported: { 'dynamic-import': false },
    metafile: true,
  },
  {
    ...common,
    entryPoints: ['src/analysis/analyzer.ts'],
    outfile: 'dist/analyzer.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: [require.resolve('pg')],
    outfile: 'dist/pg.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // pg-native is an optional peer that pg requires only when asked for it.
    external: ['pg-native'],
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    entryPoints: ['webview/dashboard/main.ts'],
    outfile: 'dist/webview/dashboard.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

/**
 * Keeps the activation path lean: the analyser and `pg` may reach dist/extension.js only as lazy
 * imports of their own bundles (src/editor/analyzerModule.ts, `await import('pg')`). A value imported
 * from them anywhere else would put a top-level require back, or their code inside, without a warning.
 */
const LAZY_ONLY = /^(node_modules\/(pg|pg-[a-z-]+|@vscode\/tree-sitter-wasm)\/|src\/analysis\/(lowering|checker|fixes)\/)/;

function checkActivationBundle(metafile) {
  const problems = [];
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    if (LAZY_ONLY.test(input)) problems.push(`${input} is bundled`);
    for (const i of imports) if ((i.path === './pg.js' || i.path === './analyzer.js') && i.kind !== 'dynamic-import') problems.push(`${input} imports ${i.path} eagerly (${i.kind})`);
  }
  if (problems.length === 0) return;
  console.error('✘ [ERROR] dist/extension.js must load the analyser and pg lazily (through src/editor/analyzerModule.ts, import(\'pg\')):');
  for (const problem of problems.slice(0, 10)) console.error(`    ${problem}`);
  process.exitCode = 1;
}

/** A production build must not ship the source maps a development build left behind. */
async function removeSourceMaps(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.map')) await rm(path.join(entry.parentPath ?? entry.path, entry.name));
  }
}

await copyAssets();
if (production) await removeSourceMaps('dist');
if (watch) {
  const contexts = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const [extension] = await Promise.all(configs.map((c) => esbuild.build(c)));
  checkActivationBundle(extension.metafile);
  await chmod('dist/cli.js', 0o755);
}
