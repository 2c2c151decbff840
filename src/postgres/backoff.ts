// Reconnect delays: exponential backoff with full jitter (a random delay between 0 and the
// exponential cap), so many extension windows that lost the same server do not return in lockstep.
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** [0, 1); injectable for tests. */
  random: () => number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000, random: Math.random };

/** The delay before retry number `attempt` (1 = the first retry after a failure). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.floor(policy.random() * ceiling);
}
