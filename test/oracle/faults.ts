// The fault scenarios the oracle runs each fixture function under, shared by the JS runner and the
// test that drives the Python runner. A scenario is realistic: a query fails once (a constraint, a
// timeout), every query from some point on fails (the connection dropped), results come back empty,
// or the pool cannot hand out a connection.

export type Fault =
  | { kind: 'none' }
  | { kind: 'empty' }
  /** Only the k-th database operation fails (1-based). */
  | { kind: 'fail-at'; k: number }
  /** The k-th and every later database operation fail. */
  | { kind: 'fail-from'; k: number }
  /** The k-th connection request fails. */
  | { kind: 'connect-fail-at'; k: number };

/** Cap per function: enough for every fixture (they issue at most a handful of operations). */
const MAX_OPERATIONS = 12;
const MAX_CONNECTS = 4;

/** Every scenario worth running after a normal run that made `operations` operations and `connects` connection requests. */
export function scenarios(operations: number, connects: number): Fault[] {
  const out: Fault[] = [{ kind: 'empty' }];
  for (let k = 1; k <= Math.min(operations + 1, MAX_OPERATIONS); k++) {
    out.push({ kind: 'fail-at', k });
    out.push({ kind: 'fail-from', k });
  }
  for (let k = 1; k <= Math.min(connects, MAX_CONNECTS); k++) out.push({ kind: 'connect-fail-at', k });
  return out;
}

export function describeFault(fault: Fault): string {
  return 'k' in fault ? `${fault.kind} ${fault.k}` : fault.kind;
}

/** What one run of one fixture function left behind. */
export interface RunResult {
  fault: string;
  /** Connections still checked out of the pool after the function finished and handed-over ones were returned. */
  checkedOut: number;
  /** Database operations and connection requests the run made. */
  operations: number;
  connects: number;
  /** The function returned or stored a connection that the harness then gave back (ownership handed over). */
  handedOver: number;
  error?: string;
  /** What the function returned (or passed to its callback), as JSON, for comparing runs before and after a fix. */
  value?: string;
}

export interface FunctionReport {
  name: string;
  runs: RunResult[];
}
