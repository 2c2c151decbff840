// Parses and lowers files on worker threads for `pg-health check`: parsing is nearly all of a scan's
// work and each file is independent, while the summaries that cross files are cheap and stay on the
// main thread (analyzeWorkspace's modeller hook). The worker is this same file (or the bundle that
// contains it), started with a marker in workerData.
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { FileModel } from '../analysis/model';
import { modelFile, type FileModeller, type SkipReason, type SourceFile } from '../analysis/workspace';

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
}

interface Reply {
  id: number;
  models?: Outcome[];
  error?: string;
}

async function modelInTurn(files: readonly SourceFile[]): Promise<Outcome[]> {
  const models: Outcome[] = [];
  for (const file of files) models.push(await modelFile(file));
  return models;
}

function serveRequests(): void {
  const port = parentPort;
  if (!port) return;
  // One request at a time: the parser is shared within a thread.
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      let reply: Reply;
      try {
        reply = { id: request.id, models: await modelInTurn(request.files) };
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

function batches(files: readonly SourceFile[]): { start: number; files: SourceFile[] }[] {
  const out: { start: number; files: SourceFile[] }[] = [];
  let current: SourceFile[] = [];
  let chars = 0;
  let start = 0;
  files.forEach((file, index) => {
    if (current.length > 0 && (chars + file.text.length > BATCH_CHARS || current.length >= BATCH_FILES)) {
      out.push({ start, files: current });
      current = [];
      chars = 0;
      start = index;
    }
    current.push(file);
    chars += file.text.length;
  });
  if (current.length) out.push({ start, files: current });
  return out;
}

/**
 * A modeller that spreads files over up to `threads` workers (started on first need, one per core by
 * default). Small inputs are modelled on the calling thread. A batch whose worker fails is modelled
 * on the calling thread instead, so a crashed worker costs time, never results.
 */
export function startModelWorkers(threads: number = os.availableParallelism()): ModelWorkers {
  const workers: Worker[] = [];
  let nextId = 0;
  const pending = new Map<number, { resolve: (models: Outcome[]) => void; reject: (error: Error) => void }>();

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

  const send = (worker: Worker, files: SourceFile[]): Promise<Outcome[]> =>
    new Promise((resolve, reject) => {
      if (!workers.includes(worker)) return reject(new Error('model worker has exited'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, files } satisfies Request);
    });

  const modeller: FileModeller = async (files) => {
    const total = files.reduce((n, f) => n + f.text.length, 0);
    const wanted = Math.min(threads, Math.ceil(total / BATCH_CHARS));
    if (total < MIN_CHARS_FOR_WORKERS || wanted < 2) return modelInTurn(files);
    while (workers.length < wanted) spawn();
    const results = new Array<Outcome>(files.length);
    const queue = batches(files);
    // Each worker takes the next batch when it finishes one: big files do not leave a thread idle.
    await Promise.all(
      workers.slice(0, wanted).map(async (worker) => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          const { start, files: part } = batch;
          let models: Outcome[];
          try {
            models = await send(worker, part);
          } catch {
            models = await modelInTurn(part);
          }
          models.forEach((model, i) => (results[start + i] = model));
        }
      }),
    );
    return results;
  };

  return {
    modeller,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}
