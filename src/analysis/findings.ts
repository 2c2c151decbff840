// What the analyser reports: rule ids, positions and findings. Shared by the editor glue, the CLI and
// (later) the fixes.

export type RuleId =
  | 'unreleased-client'
  | 'release-not-guaranteed'
  | 'double-release'
  | 'with-does-not-release'
  | 'use-after-release';

/** 0-based lines and columns; columns count UTF-16 code units, as VS Code does. End is exclusive. */
export interface SourceRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface RelatedLocation {
  range: SourceRange;
  message: string;
}

/** What a fix needs to know about the leaked resource (issue 4); absent for findings a fix cannot address. */
export interface ResourceDetails {
  /** The variable the client is bound to, when it is a plain local. */
  variable: string | undefined;
  /** The acquire call (`pool.connect()`, `pool.getconn()`). */
  acquireRange: SourceRange;
  /** The statement holding the acquire call. */
  acquireStatementRange: SourceRange;
  /** Every release call of this client the analyser saw. */
  releaseRanges: SourceRange[];
  /**
   * The releases among `releaseRanges` made by calling a workspace function (`commit(client)`), and
   * whether releasing is all that function does. A fix never moves or removes one that does more
   * (a COMMIT, a ROLLBACK), and never adds a release on a path it releases.
   */
  helperReleases: { range: SourceRange; onlyReleases: boolean }[];
  /** The body of the function the client is acquired in. */
  functionRange: SourceRange;
  /** Catalogue id of the acquire API, e.g. `pg.pool.connect`. */
  api: string;
  /** The call that releases it, e.g. `pool.putconn(conn)`, when the API says how. */
  releaseCall?: string;
  /** Some path hands it over (returns or stores it): a fix must release it only when the code throws. */
  handedOver: boolean;
  /**
   * Where each leaking path leaves holding it: a throw from a call or an `await`, an explicit
   * `throw`, an early exit, the end of the function, a new acquire or value replacing the last
   * reference. A fix that changes only some code resolves the finding only when every one is there.
   */
  leakPaths: LeakPath[];
  /**
   * Set when the leak is in a context manager's `__exit__`: another method stored the connection in
   * a field, and `__exit__` returns it only when what runs before the release succeeds.
   * `functionRange` and `releaseRanges` are then `__exit__`'s.
   */
  releasedInExit?: boolean;
  /** A middleware keeps the client on the request (`req.client`) and releases it on this response event, or leaves it to a later handler. */
  keptOnRequest?: { field: string; releasedOn: 'finish' | 'end' | 'later' };
}

export interface LeakPath {
  how: 'call' | 'await' | 'yield' | 'throw' | 'return' | 'break' | 'continue' | 'end' | 'reacquire' | 'overwrite';
  range: SourceRange;
}

export interface Finding {
  rule: RuleId;
  severity: 'error' | 'warning';
  message: string;
  range: SourceRange;
  related: RelatedLocation[];
  fixable: boolean;
  resource?: ResourceDetails;
  /** A `pg-health-disable…` comment silences it (suppressions.ts): not shown, not fixed, SARIF marks it suppressed. */
  suppressed?: boolean;
}

export interface RuleMeta {
  id: RuleId;
  severity: 'error' | 'warning';
  /** One line for SARIF `shortDescription` and the docs index. */
  summary: string;
}

export const RULES: readonly RuleMeta[] = [
  { id: 'unreleased-client', severity: 'error', summary: 'A pool client is acquired and no path releases it.' },
  {
    id: 'release-not-guaranteed',
    severity: 'warning',
    summary: 'Some path (an exception, an early return, break or continue) skips the release of a pool client.',
  },
  { id: 'double-release', severity: 'error', summary: 'A pool client is released twice on the same path.' },
  {
    id: 'with-does-not-release',
    severity: 'error',
    summary: '`with conn:` ends a transaction; it does not return the connection to the pool.',
  },
  { id: 'use-after-release', severity: 'error', summary: 'A pool client is used after it was released.' },
];

export function ruleMeta(rule: RuleId): RuleMeta {
  const meta = RULES.find((r) => r.id === rule);
  if (!meta) throw new Error(`unknown rule ${rule}`);
  return meta;
}

/** Where the rule's page lives in the repository and on the web. */
export const RULE_DOCS_BASE = 'https://github.com/pg-health/pg-connection-health/blob/main/docs/rules/';

export function ruleDocUrl(rule: RuleId): string {
  return `${RULE_DOCS_BASE}${rule}.md`;
}

export function ruleDocPath(rule: RuleId): string {
  return `docs/rules/${rule}.md`;
}
