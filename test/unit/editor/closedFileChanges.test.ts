// What a batch of changes on disk means for the files of the last workspace scan (closedFileChanges.ts):
// which files are analysed again, which are forgotten, and which helper names changed for their callers.
import * as assert from 'node:assert/strict';
import { analyzeWorkspace, type Learned } from '../../../src/analysis/analyzer';
import { releaseId } from '../../../src/analysis/catalogue';
import { changedHelperNames, isUnder, mentionsAnyName, planRefresh, type TaughtNames } from '../../../src/editor/closedFileChanges';

const WS = 'file:///ws';
const at = (path: string): string => `${WS}/${path}`;
const scanned = new Set(['src/a.js', 'src/b.js', 'lib/db.js', 'lib/deep/x.js'].map(at));
const closed = (): boolean => false;

describe('closed files after changes on disk', () => {
  it('analyses a changed or new file again while the listing has it, and forgets a deleted one', () => {
    const plan = planRefresh({ files: new Set([at('src/a.js'), at('src/new.js'), at('src/b.js')]), trees: new Set() }, scanned, [at('src/a.js'), at('src/new.js'), at('lib/db.js'), at('lib/deep/x.js')], closed);
    assert.deepEqual(plan.analyse, [at('src/a.js'), at('src/new.js')]);
    assert.deepEqual(plan.gone, [at('src/b.js')]);
  });

  it('moves a renamed file: the old path is forgotten, the new one analysed', () => {
    const plan = planRefresh({ files: new Set([at('src/b.js'), at('src/c.js')]), trees: new Set() }, scanned, [at('src/a.js'), at('src/c.js'), at('lib/db.js'), at('lib/deep/x.js')], closed);
    assert.deepEqual(plan, { analyse: [at('src/c.js')], gone: [at('src/b.js')] });
  });

  it('a file created in an excluded folder is not analysed: only what the listing has counts', () => {
    const plan = planRefresh({ files: new Set([at('dist/out.js')]), trees: new Set() }, scanned, [...scanned], closed);
    assert.deepEqual(plan, { analyse: [], gone: [] });
  });

  it('a folder renamed as a whole: everything below the old one is forgotten, everything below the new one analysed, the rest left alone', () => {
    const listed = [at('src/a.js'), at('src/b.js'), at('library/db.js'), at('library/deep/x.js')];
    const plan = planRefresh({ files: new Set(), trees: new Set([at('lib'), at('library/')]) }, scanned, listed, closed);
    assert.deepEqual(plan, { analyse: [at('library/db.js'), at('library/deep/x.js')], gone: [at('lib/db.js'), at('lib/deep/x.js')] });
  });

  it('a .gitignore change (the whole folder as a tree) forgets newly ignored files and analyses only files it no longer ignores', () => {
    const listed = [at('src/a.js'), at('src/b.js'), at('lib/db.js'), at('vendor/v.js')];
    const plan = planRefresh({ files: new Set(), trees: new Set([WS]) }, scanned, listed, closed);
    assert.deepEqual(plan, { analyse: [at('vendor/v.js')], gone: [at('lib/deep/x.js')] });
  });

  it('never analyses an open file, but forgets it as scanned when its file is gone', () => {
    const open = (key: string): boolean => key === at('src/a.js') || key === at('src/b.js');
    const plan = planRefresh({ files: new Set([at('src/a.js'), at('src/b.js')]), trees: new Set() }, scanned, [at('src/a.js')], open);
    assert.deepEqual(plan, { analyse: [], gone: [at('src/b.js')] });
  });

  it('leaves files the changes do not reach, even where the listing and the scan disagree (a cancelled scan stays as it was)', () => {
    const plan = planRefresh({ files: new Set([at('src/a.js')]), trees: new Set() }, scanned, [at('src/a.js'), at('never/scanned.js')], closed);
    assert.deepEqual(plan, { analyse: [at('src/a.js')], gone: [] });
  });

  it('tells a folder from a file that merely starts with its name', () => {
    assert.equal(isUnder(at('lib/db.js'), new Set([at('lib')])), true);
    assert.equal(isUnder(at('library/db.js'), new Set([at('lib')])), false);
    assert.equal(isUnder(at('lib'), new Set([at('lib')])), true);
  });

  it('names the helpers whose meaning changed, from what real files teach: a renamed getClient, not one that only moved to another file', async () => {
    const db = (name: string): string => `async function ${name}() {\n  const client = await pool.connect();\n  return client;\n}\nmodule.exports = { ${name} };\n`;
    const teach = async (text: string): Promise<TaughtNames[]> => {
      const [result] = await analyzeWorkspace([{ path: '/ws/lib/db.js', text, language: 'javascript' }]);
      assert.ok(result?.teaches, 'db.js teaches its callers');
      return [names(result.teaches)];
    };
    const before = await teach(db('getClient'));
    assert.deepEqual(changedHelperNames(before, await teach(db('getPooledClient'))), ['getClient', 'getPooledClient']);
    assert.deepEqual(changedHelperNames(before, [...before, ...(await teach(db('getClient')))]), [], 'the same helper taught by a renamed copy of the file');
    assert.deepEqual(changedHelperNames(before, []), ['getClient'], 'the file deleted');
  });

  it('finds the callers that mention a changed name as a whole identifier', () => {
    const mentions = mentionsAnyName(['getClient', '$pool']);
    assert.equal(mentions('const c = await getClient();'), true);
    assert.equal(mentions('const c = await getClientFor(x);'), false);
    assert.equal(mentions('await $pool.connect()'), true);
    assert.equal(mentionsAnyName([])('getClient()'), false);
  });
});

function names(learned: Learned): TaughtNames {
  return {
    family: 'js',
    acquires: learned.acquires.map((a) => ({ id: a.id, method: a.method })),
    releases: learned.releases.map((r) => ({ id: releaseId(r), method: r.method })),
  };
}
