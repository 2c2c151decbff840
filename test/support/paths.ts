import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (the folder with our package.json), from compiled tests in out/ as well as from sources. */
export const repoRoot: string = (() => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'pg-connection-health') return dir;
  }
  throw new Error(`cannot find the repository root from ${__dirname}`);
})();

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const testResultsDir = path.join(repoRoot, 'test-results');
