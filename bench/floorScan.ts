// The floor for whole-workspace analysis: the same files `pg-health check DIR` would read, read and
// parsed by tree-sitter on the same number of threads, and nothing else (no lowering, no checking).
// `node out/bench/floorScan.js DIR [--threads N]` prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { LanguageId } from '../src/analysis/analyzer';
import { parseText } from '../src/analysis/treeSitter';
import { scanPaths } from '../src/cli/fileScan';

interface Job {
  absolute: string;
  language: LanguageId;
}

interface BatchResult {
  files: number;
  bytes: number;
  errorTrees: number;
  failed: number;
}

export interface FloorReport extends BatchResult {
  threads: number;
  wallMs: number;
}

const BATCH = 16;

async function parseBatch(jobs: readonly Job[]): Promise<BatchResult> {
  const result: BatchResult = { files: 0, bytes: 0, errorTrees: 0, failed: 0 };
  for (const job of jobs) {
    const text = fs.readFileSync(job.absolute, 'utf8');
    result.files++;
    result.bytes += Buffer.byteLength(text);
    const tree = await parseText(text, job.language).catch(() => undefined);
    if (!tree) {
      result.failed++;
      continue;
    }
    if (tree.rootNode.hasError) result.errorTrees++;
    tree.delete();
  }
  return result;
}

function runWorker(): void {
  const port = parentPort;
  if (!port) return;
  port.on('message', (jobs: Job[] | null) => {
    if (jobs === null) {
      port.close();
      return;
    }
    void parseBatch(jobs).then((r) => port.postMessage(r));
  });
  port.postMessage(null); // ready for the first batch
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const threadsAt = args.indexOf('--threads');
  const threads = threadsAt >= 0 ? Number(args[threadsAt + 1]) : os.availableParallelism();
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--threads');
  if (!dir) throw new Error('usage: floorScan DIR [--threads N]');
  const jobs: Job[] = scanPaths([dir]).map((f) => ({ absolute: f.absolute, language: f.language }));
  const total: BatchResult = { files: 0, bytes: 0, errorTrees: 0, failed: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, threads) }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(__filename, { workerData: { role: 'floor' } });
        worker.on('message', (r: BatchResult | null) => {
          if (r) for (const key of Object.keys(total) as (keyof BatchResult)[]) total[key] += r[key];
          const batch = jobs.slice(next, next + BATCH);
          next += BATCH;
          worker.postMessage(batch.length ? batch : null);
        });
        worker.on('error', reject);
        worker.on('exit', () => resolve());
      }),
    ),
  );
  const report: FloorReport = { ...total, threads, wallMs: performance.now() - started };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  });
} else if ((workerData as { role?: string } | undefined)?.role === 'floor') {
  runWorker();
}
