// The README as the Marketplace shows it: vsce turns its relative pictures into links under the
// repository's URL, so the manifest names the repository, and every picture is one the e2e suite
// takes (README_IMAGES), committed under docs/images.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULE_DOCS_BASE } from '../../src/analysis/findings';
import { repoRoot } from '../support/paths';
import { README_IMAGES } from '../support/vscodeServer';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  repository?: { type: string; url: string };
  bugs?: { url: string };
  homepage?: string;
};
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README and manifest for the Marketplace', () => {
  it('names the repository, where to report bugs and the home page, the same place the rule docs link to', () => {
    const home = RULE_DOCS_BASE.replace(/\/blob\/main\/docs\/rules\/$/, '');
    assert.equal(manifest.repository?.type, 'git');
    assert.equal(manifest.repository?.url, `${home}.git`);
    assert.equal(manifest.bugs?.url, `${home}/issues`);
    assert.equal(manifest.homepage, `${home}#readme`);
  });

  it('shows every picture the e2e suite takes, by a relative path to a committed file', () => {
    const images = [...readme.matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)].map((m) => ({ alt: m[1] ?? '', src: m[2] ?? '' }));
    assert.deepEqual(images.map((i) => i.src).sort(), README_IMAGES.map((n) => `docs/images/${n}.png`).sort());
    for (const image of images) {
      assert.ok(image.alt.length > 10, `${image.src} has a text alternative`);
      assert.ok(fs.statSync(path.join(repoRoot, image.src)).size > 10_000, `${image.src} is a committed picture`);
    }
  });

  it('starts with the two commands: the demo and the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    assert.deepEqual(firstBlock.trim().split('\n').map((l) => l.split('#')[0]?.trim()), ['npm run demo', 'npm test']);
    assert.ok(readme.indexOf('```sh') < readme.indexOf('\n## '), 'before any section');
  });
});
