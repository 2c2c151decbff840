// What a batch of file system changes means for the files of the last workspace scan: which files
// to analyse again, which to forget, and which helper names changed. Pure (URIs as strings), so the
// rules are tested without VS Code; closedFileWatcher.ts collects the changes, workspaceScan.ts acts.

/** Changes seen since the last batch, as URI strings. */
export interface PendingChanges {
  /** Source files created, changed or deleted. */
  files: ReadonlySet<string>;
  /**
   * Paths whose contents may have come or gone as a whole: a folder created, deleted or renamed, or a
   * workspace folder whose .gitignore changed. What they hold now is whatever the listing says.
   */
  trees: ReadonlySet<string>;
  /** Helper names an open file stopped or started teaching (WorkspaceScanner.relearn): their closed callers are analysed again. */
  helpers?: ReadonlySet<string>;
}

export interface RefreshPlan {
  /** Listed files to read and analyse again. */
  analyse: string[];
  /** Scanned files that are no longer listed (deleted, renamed away, now ignored). */
  gone: string[];
}

/** True when `key` is one of `trees` or lies below one of them. */
export function isUnder(key: string, trees: ReadonlySet<string>): boolean {
  if (trees.size === 0) return false;
  for (let end = key.length; end > 0; end = key.lastIndexOf('/', end - 1)) {
    if (trees.has(key.slice(0, end))) return true;
  }
  return false;
}

/**
 * `listed`: what the scan's own listing (same globs and excludes) gives now. A changed file is analysed
 * again when it is still listed; a file below a changed tree only when the scan did not have it yet (the
 * others did not change). Files the changes do not reach are left alone, even when the listing and the
 * scan disagree on them (a cancelled scan stays as the user left it). Open files are the open-document
 * analysis's: never analysed here, though they may be forgotten as scanned.
 */
export function planRefresh(changes: PendingChanges, scanned: ReadonlySet<string>, listed: readonly string[], isOpen: (key: string) => boolean): RefreshPlan {
  const trees = new Set([...changes.trees].map((t) => t.replace(/\/+$/, '')));
  const touched = (key: string): boolean => changes.files.has(key) || isUnder(key, trees);
  const listedSet = new Set(listed);
  const analyse = listed.filter((key) => (changes.files.has(key) || (isUnder(key, trees) && !scanned.has(key))) && !isOpen(key));
  const gone = [...scanned].filter((key) => !listedSet.has(key) && touched(key));
  return { analyse, gone };
}

export interface TaughtNames {
  family: string;
  acquires: readonly { id: string; method: string }[];
  releases: readonly { id: string; method: string }[];
}

/**
 * Method names whose meaning as a helper changed between two sets of teachings (one taught it and the
 * other does not). Callers that mention them must be analysed again; teachings that only moved from
 * one file to another (a rename) change nothing.
 */
export function changedHelperNames(before: Iterable<TaughtNames>, after: Iterable<TaughtNames>): string[] {
  const index = (all: Iterable<TaughtNames>): Map<string, string> => {
    const out = new Map<string, string>();
    for (const t of all) {
      for (const a of t.acquires) out.set(`${t.family}:acquire:${a.id}`, a.method);
      for (const r of t.releases) out.set(`${t.family}:release:${r.id}`, r.method);
    }
    return out;
  };
  const was = index(before);
  const now = index(after);
  const names = new Set<string>();
  for (const [id, method] of was) if (!now.has(id)) names.add(method);
  for (const [id, method] of now) if (!was.has(id)) names.add(method);
  return [...names].sort();
}

/** Tests a file's text for any of `names` as a whole identifier (`$` counts as one of its characters). */
export function mentionsAnyName(names: readonly string[]): (text: string) => boolean {
  if (names.length === 0) return () => false;
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?<![\\w$])(?:${escaped.join('|')})(?![\\w$])`);
  return (text) => pattern.test(text);
}
