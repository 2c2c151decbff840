// Whether a host:port takes a TCP connection: the Fleet offers "Add Connection" only for instances
// the editor can reach. One probe per address at a time, answers kept for a minute.
import * as net from 'node:net';

const TTL_MS = 60_000;

export class Reachability {
  private readonly known = new Map<string, { at: number; reachable: boolean }>();
  private readonly probing = new Set<string>();

  constructor(
    private readonly onChange: () => void,
    private readonly timeoutMs = 1_500,
  ) {}

  /** The last answer for `host:port`; starts a probe when there is none or it is old. */
  reachable(address: string, now = Date.now()): boolean | undefined {
    const entry = this.known.get(address);
    if ((!entry || now - entry.at > TTL_MS) && !this.probing.has(address)) void this.probe(address);
    return entry?.reachable;
  }

  /** Resolves when no probe is running. */
  async settled(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.probing.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private async probe(address: string): Promise<void> {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
    if (!m) return;
    this.probing.add(address);
    const reachable = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: m[1] as string, port: Number(m[2]) });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(this.timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    this.probing.delete(address);
    const before = this.known.get(address)?.reachable;
    this.known.set(address, { at: Date.now(), reachable });
    if (before !== reachable) this.onChange();
  }
}
