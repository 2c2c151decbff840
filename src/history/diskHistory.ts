// The history on disk, one file per database in the extension's global storage. The refresh only
// queues a line; a queue per file appends it later with async I/O, and every few minutes rewrites
// the file from memory (compaction: old samples become minute buckets, expired ones go). A file
// that is not ours, or damaged beyond a torn last line, is renamed aside and reported, never fatal.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Bounds } from './downsample';
import { mergeHistories } from './downsample';
import { fileText, parseHistoryFile, pointLine } from './historyFile';
import type { HistoryPoint, HistorySink } from '../postgres/store';

export interface DiskHistoryOptions {
  /** Folder of the files (globalStorageUri/history); created when missing. */
  directory: string;
  /** The database's history in memory, as compaction writes it. */
  historyOf(name: string): readonly HistoryPoint[] | undefined;
  /** Points read back from a file, for the store to merge. */
  restore(name: string, points: HistoryPoint[]): void;
  bounds(): Bounds;
  log: { info(message: string): void; warn(message: string): void };
  /** How often a file is rewritten from memory; default 10 minutes. */
  compactEveryMs?: number;
  now?: () => number;
}

interface FileState {
  name: string;
  file: string;
  /** Lines waiting for the next append. */
  pending: string[];
  flushQueued: boolean;
  compactionQueued: boolean;
  /** Every operation on the file runs after the previous one: appends never interleave with a rewrite. */
  chain: Promise<void>;
  lastCompaction: number;
  /** The file's size as this window last left it: another size means another window wrote too. */
  expectedSize: number | undefined;
  /** The last operation failed (and was reported). */
  failing: boolean;
}

/** The file of a connection: named by a hash of its name, so no name (or anything else) shows in the folder. */
export function historyFileName(name: string): string {
  return `${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32)}.jsonl`;
}

export class DiskHistory implements HistorySink {
  private readonly files = new Map<string, FileState>();
  private readonly compactEveryMs: number;
  private readonly now: () => number;
  private directoryReady: Promise<unknown> | undefined;

  constructor(private readonly options: DiskHistoryOptions) {
    this.compactEveryMs = options.compactEveryMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Reads `name`'s file back into the store (once); later calls only wait for it. */
  open(name: string): Promise<void> {
    return this.state(name).chain;
  }

  append(name: string, point: HistoryPoint): void {
    const state = this.state(name);
    state.pending.push(pointLine(point));
    if (this.now() - state.lastCompaction >= this.compactEveryMs) {
      state.lastCompaction = this.now();
      this.queueCompaction(state);
    } else if (!state.flushQueued && !state.compactionQueued) {
      state.flushQueued = true;
      this.enqueue(state, () => this.flush(state));
    }
  }

  /** Rewrites `name`'s file from memory now (the tests and the benchmark). */
  compactNow(name: string): Promise<void> {
    const state = this.state(name);
    state.lastCompaction = this.now();
    return this.queueCompaction(state);
  }

  /** One rewrite waiting at a time: it writes whatever memory holds when it runs. */
  private queueCompaction(state: FileState): Promise<void> {
    if (state.compactionQueued) return state.chain;
    state.compactionQueued = true;
    return this.enqueue(state, () => this.compact(state));
  }

  /**
   * Deletes the files nothing was written to within the retention (connections removed from the
   * settings, files set aside long ago): whatever they hold has expired. Returns how many went.
   */
  async pruneExpired(): Promise<number> {
    const oldest = this.now() - this.options.bounds().retentionMs;
    let entries: string[];
    try {
      entries = await fs.readdir(this.options.directory);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const entry of entries) {
      if (!/^[0-9a-f]{32}\.jsonl(\.set-aside-.*)?$/.test(entry)) continue;
      const file = path.join(this.options.directory, entry);
      try {
        if ((await fs.stat(file)).mtimeMs < oldest) {
          await fs.unlink(file);
          removed++;
        }
      } catch {
        // Gone already, or another window is at it.
      }
    }
    if (removed > 0) this.options.log.info(`History: removed ${removed} file(s) older than the retention.`);
    return removed;
  }

  /** Waits for every queued write. */
  async idle(): Promise<void> {
    await Promise.all([...this.files.values()].map((s) => s.chain));
  }

  fileOf(name: string): string {
    return path.join(this.options.directory, historyFileName(name));
  }

  private state(name: string): FileState {
    let state = this.files.get(name);
    if (!state) {
      // Compact at the first sample after opening: the file then holds what memory holds, bounded.
      state = { name, file: this.fileOf(name), pending: [], flushQueued: false, compactionQueued: false, chain: Promise.resolve(), lastCompaction: -Infinity, expectedSize: undefined, failing: false };
      this.files.set(name, state);
      const created = state;
      this.enqueue(state, () => this.load(name, created));
    }
    return state;
  }

  private enqueue(state: FileState, op: () => Promise<void>): Promise<void> {
    state.chain = state.chain.then(op).then(
      () => {
        state.failing = false;
      },
      (err: unknown) => {
        // A full disk fails every refresh: say so once, and again only after it worked in between.
        if (!state.failing) this.options.log.warn(`History file ${path.basename(state.file)}: ${err instanceof Error ? err.message : String(err)}`);
        state.failing = true;
      },
    );
    return state.chain;
  }

  private ensureDirectory(): Promise<unknown> {
    this.directoryReady ??= fs.mkdir(this.options.directory, { recursive: true });
    return this.directoryReady;
  }

  private async load(name: string, state: FileState): Promise<void> {
    const { points, keptBytes } = await this.read(name, state.file);
    state.expectedSize = keptBytes;
    if (points.length > 0) this.options.restore(name, points);
  }

  /** The file's points (and its size, unless it was moved); a foreign or damaged file is renamed aside, its readable points kept. */
  private async read(name: string, file: string): Promise<{ points: HistoryPoint[]; keptBytes: number | undefined }> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { points: [], keptBytes: undefined };
      throw err;
    }
    const parsed = parseHistoryFile(text, name);
    if (parsed.kind === 'foreign') {
      await this.setAside(file, `${parsed.reason}`);
      return { points: [], keptBytes: undefined };
    }
    if (parsed.badLines > 0) {
      await this.setAside(file, `${parsed.badLines} damaged line(s); its ${parsed.points.length} readable points are kept`);
      return { points: parsed.points, keptBytes: undefined };
    }
    return { points: parsed.points, keptBytes: Buffer.byteLength(text) };
  }

  private async setAside(file: string, reason: string): Promise<void> {
    // Wall-clock time and a few random bytes: two files set aside in the same millisecond keep both.
    const aside = `${file}.set-aside-${Date.now()}-${randomBytes(3).toString('hex')}`;
    await fs.rename(file, aside);
    this.options.log.warn(`History file ${path.basename(file)} was set aside as ${path.basename(aside)}: ${reason}.`);
  }

  private async flush(state: FileState): Promise<void> {
    state.flushQueued = false;
    if (state.pending.length === 0) return;
    const lines = state.pending.join('');
    state.pending = [];
    await this.ensureDirectory();
    // A new file starts with its header; appending to an existing one adds lines only.
    const handle = await fs.open(state.file, 'a');
    try {
      const { size } = await handle.stat();
      const text = size === 0 ? fileText(state.name, []) + lines : lines;
      await handle.appendFile(text, 'utf8');
      state.expectedSize = state.expectedSize === size ? size + Buffer.byteLength(text) : undefined;
    } finally {
      await handle.close();
    }
  }

  /**
   * Rewrites the file from memory, merged with what the file holds that memory does not (another
   * window's samples of the same connection), through a temporary file and a rename.
   */
  private async compact(state: FileState): Promise<void> {
    const name = state.name;
    state.compactionQueued = false;
    // Everything still pending is in memory already: the rewrite holds it.
    state.pending = [];
    const memory = [...(this.options.historyOf(name) ?? [])];
    // Only a file someone else changed since this window last wrote it has anything memory lacks.
    const size = await fs.stat(state.file).then((st) => st.size, () => undefined);
    const onDisk = size !== undefined && size !== state.expectedSize ? (await this.read(name, state.file)).points : [];
    const points = onDisk.length > 0 ? mergeHistories(onDisk, memory, this.now(), this.options.bounds()) : memory;
    await this.ensureDirectory();
    const temporary = `${state.file}.${process.pid}.tmp`;
    const text = fileText(name, points);
    await fs.writeFile(temporary, text, 'utf8');
    await fs.rename(temporary, state.file);
    state.expectedSize = Buffer.byteLength(text);
  }
}
