// Generated hostile source for the analyser: windows and mutations of the fixture files, random
// characters, unmatched brackets and quotes, and code of other languages. Deterministic for a seed so
// a failure can be replayed (RELIABILITY_SEED=… reruns the same inputs).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LanguageId } from '../../../src/analysis/analyzer';
import { analyzeWorkspace } from '../../../src/analysis/analyzer';

export interface HostileInput {
  kind: string;
  language: LanguageId;
  text: string;
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JS_LANGUAGES: LanguageId[] = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact'];
const TOKENS = [
  '(', ')', '{', '}', '[', ']', '`', '${', "'", '"', '"""', "'''", '/*', '*/', '//', '#', '\\', '\n', '    ', '\t', ':', ';', ',', '=>', '<', '>', '</div>', '<div>',
  'async ', 'await ', 'function ', 'def ', 'class ', 'try', 'finally', 'catch', 'except', 'with ', 'return ', 'yield ', 'if ', 'else', 'for ', 'while ', 'break', 'continue',
  'pool.connect()', 'client.release()', 'pool.getconn()', 'pool.putconn(conn)', 'conn.close()', 'await pool.acquire()', 'throw ', 'raise ', 'lambda ', '@decorator\n',
  '\u0000', '\uFEFF', '\u2028', '\uD800', '\uDFFF', '😀', 'é', '\r\n', '\r',
];

export function fixtureTexts(fixturesDir: string): Array<{ language: LanguageId; text: string }> {
  const out: Array<{ language: LanguageId; text: string }> = [];
  for (const dir of ['js', 'ts', 'py']) {
    for (const file of fs.readdirSync(path.join(fixturesDir, 'analysis', dir))) {
      const language: LanguageId = dir === 'py' ? 'python' : dir === 'ts' ? 'typescript' : 'javascript';
      out.push({ language, text: fs.readFileSync(path.join(fixturesDir, 'analysis', dir, file), 'utf8') });
    }
  }
  return out;
}

/** `count` small hostile inputs (at most a few hundred characters each, so 10,000 stay fast). */
export function generateInputs(count: number, seed: number, fixtures: Array<{ language: LanguageId; text: string }>): HostileInput[] {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const anyLanguage = (): LanguageId => (random() < 0.3 ? 'python' : pick(JS_LANGUAGES));
  const window = (text: string, max: number): string => {
    const start = int(text.length);
    return text.slice(start, start + 1 + int(max));
  };
  const inputs: HostileInput[] = [];
  while (inputs.length < count) {
    const fixture = pick(fixtures);
    switch (inputs.length % 6) {
      case 0: {
        // A truncated fixture: its start up to a random point (short, so the count stays affordable).
        inputs.push({ kind: 'truncated', language: fixture.language, text: fixture.text.slice(0, 1 + int(Math.min(fixture.text.length, 700))) });
        break;
      }
      case 1: {
        let text = window(fixture.text, 500);
        for (let m = 1 + int(6); m > 0; m--) {
          const at = int(text.length + 1);
          const op = int(4);
          if (op === 0) text = text.slice(0, at) + pick(TOKENS) + text.slice(at);
          else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + int(20));
          else if (op === 2) text = text.slice(0, at) + text.slice(at, at + int(40)) + text.slice(at);
          else text = text.slice(0, at) + String.fromCharCode(int(0x3000)) + text.slice(at);
        }
        inputs.push({ kind: 'mutated', language: random() < 0.8 ? fixture.language : anyLanguage(), text });
        break;
      }
      case 2: {
        // Random characters, sometimes with NUL (binary), sometimes lone surrogates and controls.
        const length = 1 + int(300);
        let text = '';
        const range = pick([0x80, 0x800, 0x10000]);
        for (let i = 0; i < length; i++) text += String.fromCharCode(int(range));
        inputs.push({ kind: 'random', language: anyLanguage(), text });
        break;
      }
      case 3: {
        let text = '';
        for (let i = 1 + int(80); i > 0; i--) text += pick(TOKENS);
        inputs.push({ kind: 'tokens', language: anyLanguage(), text });
        break;
      }
      case 4: {
        // Unmatched brackets around a real acquire.
        const open = pick(['(', '{', '[', '`${', 'f(', 'if (x) {', 'try {', '"""', 'def f(']);
        const body = window(fixture.text, 200);
        inputs.push({ kind: 'unmatched', language: anyLanguage(), text: open.repeat(1 + int(50)) + body + pick([')', '}', ']', '']).repeat(int(60)) });
        break;
      }
      default: {
        // Another language's code (Python to the JS parser and the other way round).
        const other = fixtures.find((f) => (f.language === 'python') !== (fixture.language === 'python')) ?? fixture;
        inputs.push({ kind: 'crossLanguage', language: fixture.language, text: window(other.text, 500) });
      }
    }
  }
  return inputs;
}

export interface RunOutcome {
  /** Wall-clock time. */
  ms: number;
  /** CPU time of this process (user + system): what the bound is checked on, since other work on a
   * shared machine stretches wall-clock time by any factor. */
  cpuMs: number;
  error?: string;
}

/** analyzeWorkspace (not analyzeText, which swallows our own bugs) on one input, timed. */
export async function runOne(input: HostileInput): Promise<RunOutcome> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const timing = (): Pick<RunOutcome, 'ms' | 'cpuMs'> => {
    const used = process.cpuUsage(cpu);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000 };
  };
  try {
    await analyzeWorkspace([{ path: `hostile.${input.language === 'python' ? 'py' : 'ts'}`, text: input.text, language: input.language }]);
    return timing();
  } catch (error) {
    return { ...timing(), error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Shrinks a crashing input (same error) by removing chunks; bounded in time. */
export async function minimise(input: HostileInput, error: string, budgetMs = 10_000): Promise<HostileInput> {
  const deadline = Date.now() + budgetMs;
  let text = input.text;
  for (let chunk = Math.ceil(text.length / 2); chunk >= 1 && Date.now() < deadline; chunk = Math.floor(chunk / 2)) {
    for (let at = 0; at < text.length && Date.now() < deadline; ) {
      const candidate = text.slice(0, at) + text.slice(at + chunk);
      if ((await runOne({ ...input, text: candidate })).error === error) text = candidate;
      else at += chunk;
    }
  }
  return { ...input, text };
}

/** Saves a crashing input under test/reliability/crashers/ and returns its path. */
export function saveCrasher(dir: string, input: HostileInput, error: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const hash = crypto.createHash('sha1').update(input.text).digest('hex').slice(0, 10);
  // Not .ts/.py: the test build and the linter must not pick the input up.
  const file = path.join(dir, `${input.kind}-${hash}.${input.language}.input`);
  fs.writeFileSync(file, input.text);
  fs.writeFileSync(`${file}.error.txt`, `language: ${input.language}\nerror: ${error}\n`);
  return file;
}
