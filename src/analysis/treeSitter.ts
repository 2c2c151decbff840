// Loads the tree-sitter runtime and grammars on first use and caches them: the extension activates
// without touching WebAssembly, and each grammar is read once per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language, Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import type { LanguageId } from './languages';

export type SyntaxNode = Node;
export type SyntaxTree = Tree;

type Grammar = 'javascript' | 'typescript' | 'tsx' | 'python' | 'go' | 'java' | 'c-sharp';

const GRAMMAR_FOR: Record<LanguageId, Grammar> = {
  javascript: 'javascript',
  // The TSX grammar is a superset of JavaScript with JSX, so .jsx files parse with it.
  javascriptreact: 'tsx',
  typescript: 'typescript',
  typescriptreact: 'tsx',
  python: 'python',
  go: 'go',
  java: 'java',
  csharp: 'c-sharp',
};

let wasmDirOverride: string | undefined;

/** For hosts that ship the wasm files somewhere else than next to the bundle. */
export function setWasmDirectory(dir: string): void {
  wasmDirOverride = dir;
}

function wasmDirectory(): string {
  if (wasmDirOverride) return wasmDirOverride;
  // From a bundle (dist/cli.js, dist/extension.js) esbuild copied the files to dist/wasm.
  const besideBundle = path.join(__dirname, 'wasm');
  if (fs.existsSync(path.join(besideBundle, 'tree-sitter.wasm'))) return besideBundle;
  // From compiled sources and tests (out/src/analysis): the package in the nearest node_modules.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
    if (fs.existsSync(path.join(candidate, 'tree-sitter.wasm'))) return candidate;
  }
  return besideBundle;
}

interface Runtime {
  module: typeof import('@vscode/tree-sitter-wasm');
  dir: string;
}

let runtime: Promise<Runtime> | undefined;
const languages = new Map<Grammar, Promise<Language>>();
const parsers = new Map<Grammar, Parser>();

function loadRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const module = await import('@vscode/tree-sitter-wasm');
    const dir = wasmDirectory();
    await module.Parser.init({ locateFile: (file: string) => path.join(dir, file) });
    return { module, dir };
  })();
  return runtime;
}

async function parserFor(grammar: Grammar): Promise<Parser> {
  const cached = parsers.get(grammar);
  if (cached) return cached;
  const { module, dir } = await loadRuntime();
  let language = languages.get(grammar);
  if (!language) {
    language = module.Language.load(path.join(dir, `tree-sitter-${grammar}.wasm`));
    languages.set(grammar, language);
  }
  const loaded = await language;
  const again = parsers.get(grammar); // another caller may have finished first
  if (again) return again;
  const parser = new module.Parser();
  parser.setLanguage(loaded);
  parsers.set(grammar, parser);
  return parser;
}

/** The grammars loaded so far in this process (each is read on the first file of its language). */
export function loadedGrammars(): string[] {
  return [...languages.keys()].sort();
}

/**
 * Parses `text`; undefined when tree-sitter gives up. The caller must `delete()` the tree. With
 * `previous` (the last tree of the same document, already `edit()`ed to match `text`) tree-sitter
 * reuses its unchanged subtrees: an edit's reparse costs a fraction of a full parse.
 */
export async function parseText(text: string, language: LanguageId, previous?: SyntaxTree): Promise<SyntaxTree | undefined> {
  const parser = await parserFor(GRAMMAR_FOR[language]);
  parser.reset();
  return parser.parse(text, previous ?? null) ?? undefined;
}
