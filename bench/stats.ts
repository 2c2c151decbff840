// Small helpers shared by the benchmark sections: order statistics, the machine's description and load.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface LoadSample {
  at: string;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: [number, number, number];
}

export function loadSample(): LoadSample {
  const [a, b, c] = os.loadavg();
  return { at: new Date().toISOString(), loadAverage: [round(a ?? 0, 2), round(b ?? 0, 2), round(c ?? 0, 2)] };
}

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres?: string;
  vscode?: string;
}

function osName(): string {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function describeMachine(): MachineDescription {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: osName(),
    node: process.version,
  };
}

/** Other processes' CPU share right now, from `ps` (the benchmark's own tree excluded by the caller's eye). */
export function busiestProcesses(limit = 5): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, limit);
  } catch {
    return [];
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${round(bytes / 1e6, 2)} MB`;
  if (bytes >= 1e3) return `${round(bytes / 1e3, 1)} kB`;
  return `${bytes} B`;
}
