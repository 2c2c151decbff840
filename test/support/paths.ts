import * as path from 'node:path';

/** The repository root, from compiled tests in out/test/... as well as from sources. */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (dir !== path.dirname(dir)) {
    if (path.basename(dir) === 'out' || path.basename(dir) === 'test') return path.dirname(dir);
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the repository root from ${__dirname}`);
})();

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const testResultsDir = path.join(repoRoot, 'test-results');
