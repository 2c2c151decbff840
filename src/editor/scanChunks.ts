// Splits a workspace scan into chunks the extension host can analyse between other work. One
// analyzeWorkspace call over thousands of files blocks the host for tens of seconds and cannot be
// cancelled; chunks can. Summaries cross files, though (a `getClient()` helper in db.js makes its
// callers acquire), so every chunk also carries, as context, the files that may define such helpers.

export interface ChunkLimits {
  /** Characters of source per chunk: about half a second of analysis on 2 cores (one big minified file takes longer on its own). */
  chunkChars: number;
  chunkFiles: number;
  /** Characters of context files repeated in every chunk; beyond this, helpers stay in their own chunk. */
  contextChars: number;
}

// Context repeats in every chunk: its budget keeps that overhead under a fifth of the work.
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { chunkChars: 500_000, chunkFiles: 200, contextChars: 100_000 };

export interface Chunk<T> {
  /** Files whose results this chunk produces. */
  members: T[];
  /** Files analysed alongside for their summaries only; their own results come from their own chunk. */
  context: T[];
}

export function planChunks<T extends { text: string }>(
  files: readonly T[],
  mayDefineSummaries: (file: T) => boolean,
  limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
): Chunk<T>[] {
  const total = files.reduce((sum, f) => sum + f.text.length, 0);
  if (total <= limits.chunkChars && files.length <= limits.chunkFiles) return files.length ? [{ members: [...files], context: [] }] : [];

  // Smallest first: a helper module is usually short, and more of them fit the budget.
  const context: T[] = [];
  let contextChars = 0;
  for (const file of files.filter(mayDefineSummaries).sort((a, b) => a.text.length - b.text.length)) {
    if (contextChars + file.text.length > limits.contextChars) break;
    context.push(file);
    contextChars += file.text.length;
  }

  const chunks: Chunk<T>[] = [];
  let members: T[] = [];
  let chars = 0;
  const flush = (): void => {
    if (members.length === 0) return;
    const own = new Set(members);
    chunks.push({ members, context: context.filter((f) => !own.has(f)) });
    members = [];
    chars = 0;
  };
  for (const file of files) {
    if (members.length > 0 && (chars + file.text.length > limits.chunkChars || members.length >= limits.chunkFiles)) flush();
    members.push(file);
    chars += file.text.length;
  }
  flush();
  return chunks;
}

/**
 * Cheap text test for "this file calls an acquire or release API", the only way a function in it can
 * become a summary. Method names mirror the analyser's built-in catalogue plus the settings' extras.
 */
export function summaryCandidateTest(extraCalls: readonly string[]): (text: string) => boolean {
  const names = ['connect', 'reserve', 'acquire', 'getconn', 'connection', 'raw_connection', 'release', 'putconn', 'destroy', 'close'];
  for (const call of extraCalls) {
    const method = call.slice(call.lastIndexOf('.') + 1);
    if (/^\w+$/.test(method)) names.push(method);
  }
  const pattern = new RegExp(`\\b(?:${[...new Set(names)].join('|')})\\s*\\(`);
  return (text) => pattern.test(text);
}
