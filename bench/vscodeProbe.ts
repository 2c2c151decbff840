// Runs inside code-server's extension host as the extensionTestsPath of the benchmark (see
// extension.ts): measures the packaged extension's activation and the host's heap after activation,
// after the launcher has opened the Databases tree (1,000 sessions), and after Analyze Workspace over
// the corpus. It talks to the launcher through files in $PG_HEALTH_BENCH_CONTROL.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'pg-health.pg-connection-health';

export interface HeapSample {
  heapUsedMB: number;
  externalMB: number;
  rssMB: number;
}

export interface ProbeResults {
  vscodeVersion: string;
  /** The extension had been activated (by onStartupFinished) before the probe could time it. */
  activatedBeforeProbe: boolean;
  /** ext.activate() from the probe: loading the bundle, creating the context, running activate(). */
  activationMs?: number;
  /** From VS Code's own marks: loading the bundle (code/extHost/willLoadExtensionCode … didLoadExtensionCode). */
  codeLoadMs?: number;
  /** From VS Code's own marks: the activate() call (code/extHost/willActivateExtension … didActivateExtension). */
  activateCallMs?: number;
  heapBefore: HeapSample;
  heapAfterActivation: HeapSample;
  heapAfterTree: HeapSample;
  heapAfterAnalysis: HeapSample;
  analysisMs: number;
  analysis: unknown;
  error?: string;
}

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
}

function heap(): HeapSample {
  collectGarbage();
  const m = process.memoryUsage();
  const mb = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
  return { heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external), rssMB: mb(m.rss) };
}

/** Milliseconds between VS Code's code/extHost/will<what>/ID and did<what>/ID marks (Date.now() resolution). */
function markSpan(what: 'LoadExtensionCode' | 'ActivateExtension'): number | undefined {
  const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks?.getMarks() ?? [];
  const will = marks.find((m) => m.name === `code/extHost/will${what}/${EXTENSION_ID}`);
  const did = marks.find((m) => m.name === `code/extHost/did${what}/${EXTENSION_ID}`);
  return will && did ? did.startTime - will.startTime : undefined;
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path.basename(file)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One activation, timed in a fresh extension host (one per workbench window). */
export interface ActivationSample {
  activatedBeforeProbe: boolean;
  activationMs?: number;
  codeLoadMs?: number;
  activateCallMs?: number;
}

async function timeActivation(ext: vscode.Extension<unknown>): Promise<ActivationSample> {
  const sample: ActivationSample = { activatedBeforeProbe: ext.isActive };
  if (!ext.isActive) {
    const started = performance.now();
    await ext.activate();
    sample.activationMs = Math.round((performance.now() - started) * 10) / 10;
  }
  const load = markSpan('LoadExtensionCode');
  if (load !== undefined) sample.codeLoadMs = load;
  const call = markSpan('ActivateExtension');
  if (call !== undefined) sample.activateCallMs = call;
  return sample;
}

export async function run(): Promise<void> {
  const control = process.env['PG_HEALTH_BENCH_CONTROL'];
  if (!control) throw new Error('PG_HEALTH_BENCH_CONTROL is not set');
  const write = (name: string, value: unknown): void => {
    fs.writeFileSync(path.join(control, `${name}.tmp`), JSON.stringify(value, null, 2));
    fs.renameSync(path.join(control, `${name}.tmp`), path.join(control, name));
  };
  // The launcher first opens a few windows only to time activation in fresh extension hosts.
  if (fs.existsSync(path.join(control, 'mode-activation'))) {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    write(`activation-${process.pid}.json`, ext ? await timeActivation(ext) : { error: `${EXTENSION_ID} is not loaded` });
    return;
  }
  const results: Partial<ProbeResults> = { vscodeVersion: vscode.version };
  try {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
    results.heapBefore = heap();
    Object.assign(results, await timeActivation(ext));
    results.heapAfterActivation = heap();
    write('activated', results);

    await waitForFile(path.join(control, 'tree-open'), 180_000);
    results.heapAfterTree = heap();

    const started = performance.now();
    results.analysis = await vscode.commands.executeCommand('pgHealth.analyzeWorkspace');
    results.analysisMs = Math.round(performance.now() - started);
    results.heapAfterAnalysis = heap();
  } catch (error) {
    results.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  write('results.json', results);
}
