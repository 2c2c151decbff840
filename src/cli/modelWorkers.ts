// Parses and lowers files on worker threads for `pg-health check`: parsing is nearly all of a scan's
// work and each file is independent, while the summaries that cross files are cheap and stay on the
// main thread (analyzeWorkspace's modeller hook). The worker is this same file (or the bundle that
// contains it), started with a marker in workerData. A worker keeps the trees of files whose models
// left functions unlowered (TreeCache), and such a file goes back to the same worker when a learned
// name calls for lowering it again.
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { FocusNames } from '../analysis/lowering/focus';
import type { FileModel } from '../analysis/model';
import { modellerInTurn, TreeCache, type FileModeller, type SkipReason, type SourceFile } from '../analysis/workspace';

const ROLE = 'pg-health-model-worker';

/** Below this much text a worker's start-up (WebAssembly compile, grammars) costs more than it saves. */
const MIN_CHARS_FOR_WORKERS = 400_000;
/** Text per message: big enough to amortise the copy, small enough to balance the threads. */
const BATCH_CHARS = 200_000;
const BATCH_FILES = 32;

type Outcome = FileModel | SkipReason;

interface Request {
  id: number;
  files: SourceFile[];
  focusNames?: FocusNames;
}

interface Reply {
  id: number;
  models?: Outcome[];
  error?: string;
}

/** Without a tree cache: what runs on the calling thread only comes to small inputs and failed batches. */
const modelInTurn = modellerInTurn();

function serveRequests(): void {
  const port = parentPort;
  if (!port) return;
  const modelHere = modellerInTurn(new TreeCache());
  // One request at a time: the parser is shared within a thread.
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        reply = { id: request.id, models: await modelHere(request.files, request.focusNames) };
      } catch (error) {
        reply = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      port.postMessage(reply);
    });
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) serveRequests();

export interface ModelWorkers {
  modeller: FileModeller;
  close(): Promise<void>;
}

interface Batch {
  /** Where each file is in the modeller's input. */
  indices: number[];
  files: SourceFile[];
}

function batches(entries: readonly { index: number; file: SourceFile }[]): Batch[] {
  const out: Batch[] = [];
  let current: Batch = { indices: [], files: [] };
  let chars = 0;
  for (const { index, file } of entries) {
    if (current.files.length > 0 && (chars + file.text.length > BATCH_CHARS || current.files.length >= BATCH_FILES)) {
      out.push(current);
      current = { indices: [], files: [] };
      chars = 0;
    }
    current.indices.push(index);
    current.files.push(file);
    chars += file.text.length;
  }
  if (current.files.length) out.push(current);
  return out;
}

/** Batches each worker has waiting while the calling thread is busy: the next one is queued before the last reply is read. */
const IN_FLIGHT = 2;

/**
 * A modeller that spreads files over up to `threads` workers (started on first need, one per core by
 * default). Small inputs are modelled on the calling thread until workers have started. A batch whose
 * worker fails is modelled on the calling thread instead, so a crashed worker costs time, never results.
 */
export function startModelWorkers(threads: number = os.availableParallelism()): ModelWorkers {
  const workers: Worker[] = [];
  let nextId = 0;
  const pending = new Map<number, { resolve: (models: Outcome[]) => void; reject: (error: Error) => void }>();
  /** The worker that keeps a file's tree (its model left functions unlowered). */
  const home = new Map<string, Worker>();

  const spawn = (): Worker => {
    const worker = new Worker(__filename, { workerData: { role: ROLE } });
    worker.on('message', (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (reply.models) waiter.resolve(reply.models);
      else waiter.reject(new Error(reply.error ?? 'worker failed'));
    });
    const failAll = (error: Error): void => {
      for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(error);
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      const index = workers.indexOf(worker);
      if (index >= 0) workers.splice(index, 1);
      if (code !== 0) failAll(new Error(`model worker exited with ${code}`));
    });
    workers.push(worker);
    return worker;
  };

  const send = (worker: Worker, files: SourceFile[], focusNames: FocusNames | undefined): Promise<Outcome[]> =>
    new Promise((resolve, reject) => {
      if (!workers.includes(worker)) return reject(new Error('model worker has exited'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, files, ...(focusNames ? { focusNames } : {}) } satisfies Request);
    });

  const modeller: FileModeller = async (files, focusNames) => {
    const total = files.reduce((n, f) => n + f.text.length, 0);
    const wanted = Math.min(threads, Math.ceil(total / BATCH_CHARS));
    if (workers.length === 0 && (total < MIN_CHARS_FOR_WORKERS || wanted < 2)) return modelInTurn(files, focusNames);
    while (workers.length < wanted) spawn();
    const active = [...workers];
    const results = new Array<Outcome>(files.length);
    // Files whose tree a worker keeps go to that worker; the rest to whichever is free first.
    const own = new Map<Worker, { index: number; file: SourceFile }[]>(active.map((w) => [w, []]));
    const shared: { index: number; file: SourceFile }[] = [];
    files.forEach((file, index) => {
      const keeper = home.get(file.path);
      ((keeper && own.get(keeper)) || shared).push({ index, file });
    });
    const ownBatches = new Map(active.map((w) => [w, batches(own.get(w) ?? [])]));
    const sharedBatches = batches(shared);
    // Its own batches first, then shared ones; when both are gone it parses another worker's last
    // batch again rather than wait for that worker.
    const next = (worker: Worker): Batch | undefined =>
      ownBatches.get(worker)?.shift() ?? sharedBatches.shift() ?? [...ownBatches.values()].find((queue) => queue.length > 1)?.pop();
    const lane = async (worker: Worker): Promise<void> => {
      for (let batch = next(worker); batch; batch = next(worker)) {
        let models: Outcome[];
        let keeper: Worker | undefined = worker;
        try {
          models = await send(worker, batch.files, focusNames);
        } catch {
          models = await modelInTurn(batch.files, focusNames);
          keeper = undefined;
        }
        models.forEach((model, i) => {
          const file = batch.files[i] as SourceFile;
          results[batch.indices[i] as number] = model;
          if (keeper && typeof model !== 'string' && model.unlowered) home.set(file.path, keeper);
          else home.delete(file.path);
        });
      }
    };
    // Each worker takes the next batch when it finishes one: big files do not leave a thread idle.
    await Promise.all(active.flatMap((worker) => Array.from({ length: IN_FLIGHT }, () => lane(worker))));
    return results;
  };

  return {
    modeller,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
      home.clear();
    },
  };
}
