// The runtime strings are localisable: every one goes through l10n.t (vscode.l10n.t in the extension
// host, @vscode/l10n in the modules that run without VS Code and in the dashboard webview),
// l10n/bundle.l10n.json is what @vscode/l10n-dev extracts from the sources now, and a translation is
// one more file next to it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { getL10nJson, getL10nPseudoLocalized, l10nJsonFormat } from '@vscode/l10n-dev';
import * as ts from 'typescript';
import { buildDashboardPayload } from '../../src/dashboard/dashboardModel';
import { describeError } from '../../src/postgres/errors';
import { ageText } from '../../src/postgres/glance';
import { checkLocalisation, hasWords } from '../support/l10nCheck';
import { repoRoot } from '../support/paths';
import { databaseState, MONITOR_ONLY, sessions, snapshot } from './dashboard/snapshotFixtures';
import { CHROMIUM, openWebviewHarness } from './dashboard/webviewHarness';

/** The TypeScript files under `dir`, as `npm run l10n` finds them (`<dir>/{,**}/*.ts`). */
function typeScriptFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const BUNDLE = path.join(repoRoot, 'l10n', 'bundle.l10n.json');
const readBundle = (): l10nJsonFormat => JSON.parse(fs.readFileSync(BUNDLE, 'utf8')) as l10nJsonFormat;

/**
 * The analyser's findings and the CLI's output are not localised (like ESLint's rule messages: the
 * CLI and SARIF give the same words in CI); everything else under src/ and the webview is UI.
 */
const NOT_UI = /^src\/(analysis|cli)\//;
const uiFiles = (): string[] =>
  [...typeScriptFiles('src'), ...typeScriptFiles('webview')].filter((f) => !NOT_UI.test(path.relative(repoRoot, f).split(path.sep).join('/')));

const PROGRAM_OPTIONS: ts.CompilerOptions = {
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
};

describe('localisation of the runtime strings', function () {
  this.timeout(120_000);

  it('has l10n/bundle.l10n.json as `npm run l10n` (@vscode/l10n-dev export) writes it from the sources now', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { l10n?: string; scripts: Record<string, string> };
    assert.equal(manifest.l10n, './l10n', 'package.json names the folder VS Code loads bundle.l10n.<language>.json from');
    assert.match(manifest.scripts['l10n'] ?? '', /^vscode-l10n-dev export --outDir \.\/l10n \.\/src \.\/webview$/);
    const files = [...typeScriptFiles('src'), ...typeScriptFiles('webview')];
    const extracted = await getL10nJson(files.map((f) => ({ extension: path.extname(f), contents: fs.readFileSync(f, 'utf8') })));
    const committed = readBundle();
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    const missing = Object.keys(extracted).filter((k) => !(k in committed) || !same(committed[k], extracted[k]));
    const stale = Object.keys(committed).filter((k) => !(k in extracted));
    assert.ok(
      missing.length === 0 && stale.length === 0,
      `l10n/bundle.l10n.json is out of date: run npm run l10n and commit it.\n` +
        `In the code, not in the bundle (${missing.length}):\n  ${missing.join('\n  ')}\n` +
        `In the bundle, no longer in the code (${stale.length}):\n  ${stale.join('\n  ')}`,
    );
    assert.ok(Object.keys(committed).length > 300, `${Object.keys(committed).length} strings`);
  });

  it('hands VS Code no literal words for the user to read: message boxes, quick picks, input boxes, progress, tree items, status bar, markdown, the webview', () => {
    const { unlocalised } = checkLocalisation(uiFiles(), repoRoot, PROGRAM_OPTIONS);
    assert.deepEqual(
      unlocalised.map((u) => `${u.where} (${u.sink}): ${JSON.stringify(u.text)}`),
      [],
      'wrap these in vscode.l10n.t(…) (or l10n.t from @vscode/l10n where the module runs without VS Code), then npm run l10n',
    );
  });

  it('calls l10n.t only with a literal message and comment, so the extracted key is the one looked up at run time', () => {
    const { dynamicKeys } = checkLocalisation(uiFiles(), repoRoot, PROGRAM_OPTIONS);
    assert.deepEqual(dynamicKeys.map((u) => `${u.where}: ${u.text}`), []);
  });

  it('calls @vscode/l10n in the extension host only from functions: a constant computed at load would stay English', () => {
    // The webview configures @vscode/l10n in the first module main.ts imports (webview/dashboard/l10n.ts), so its module-level words are translated.
    const { atModuleLoad } = checkLocalisation(uiFiles(), repoRoot, PROGRAM_OPTIONS, (file) => file.startsWith('src/'));
    assert.deepEqual(atModuleLoad.map((u) => `${u.where}: ${u.text}`), []);
  });

  it('catches a literal in each kind of place it checks (the checker on a sample)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-l10n-'));
    try {
      const file = path.join(dir, 'sample.ts');
      fs.writeFileSync(
        file,
        [
          "declare const vscode: any; declare const l10n: any; declare const item: any; declare const md: any; declare function h(...a: unknown[]): unknown;",
          "const removeLabel = 'Remove';",
          "void vscode.window.showWarningMessage(`Remove ${1}?`, { modal: true, detail: 'It is gone for good.' }, removeLabel);",
          "void vscode.window.showQuickPick(['First choice'], { title: 'Which one?', placeHolder: vscode.l10n.t('Fine') });",
          "void vscode.window.showInputBox({ prompt: 'Port', validateInput: (v: string) => (v ? undefined : 'Enter a port') });",
          "item.tooltip = 'Server ' + 'down';",
          "item.description = 'checking…';",
          "item.text = '$(database) ' + vscode.l10n.t('fine');",
          "const tree = new vscode.TreeItem('Connecting…');",
          "md.appendMarkdown(`**${1}** is down`);",
          "h('p', {}, 'No sessions.', 'prefer', 'CSV');",
          "vscode.l10n.t({ message: 'a', comment });",
          "const comment = ['x'];",
          "const LABEL = l10n.t('At load'); const later = (): string => l10n.t('Later');",
        ].join('\n'),
      );
      const { unlocalised, dynamicKeys, atModuleLoad } = checkLocalisation([file], dir, PROGRAM_OPTIONS);
      assert.deepEqual(
        unlocalised.map((u) => `${u.where} ${u.sink} ${u.text}`),
        [
          'sample.ts:2 showWarningMessage Remove',
          'sample.ts:3 showWarningMessage Remove  ?',
          'sample.ts:3 detail It is gone for good.',
          'sample.ts:4 showQuickPick item First choice',
          'sample.ts:4 title Which one?',
          'sample.ts:5 prompt Port',
          'sample.ts:5 validateInput Enter a port',
          'sample.ts:6 .tooltip Server ',
          'sample.ts:7 .description checking…',
          'sample.ts:9 new TreeItem Connecting…',
          'sample.ts:10 appendMarkdown ** ** is down',
          'sample.ts:11 h() child No sessions.',
        ],
      );
      assert.deepEqual(
        dynamicKeys.map((u) => `${u.where} ${u.text}`),
        ['sample.ts:12 the comment is not a literal (a shorthand property)'],
      );
      assert.deepEqual(atModuleLoad.map((u) => u.where), ['sample.ts:14']);
      for (const data of ['prefer', 'verify-full', 'pgHealth.refresh', 'CSV', '$(database) ', ' · ', '{0}/{1}', '/path/to/root.crt']) assert.ok(!hasWords(data), data);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a file away from another language: a pseudo-translation makes the pure modules speak it, and English returns without it', () => {
    const english = readBundle();
    const pseudo = getL10nPseudoLocalized(english);
    const translated = (key: string, ...args: Array<string | number>): string => {
      const value = pseudo[key];
      assert.equal(typeof value, 'string', key);
      return (value as string).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-l10n-'));
    const file = path.join(dir, 'bundle.l10n.qps-ploc.json');
    fs.writeFileSync(file, JSON.stringify(pseudo, undefined, 2));
    const state = databaseState(snapshot(sessions(10), { role: MONITOR_ONLY }));
    try {
      // What activate() does with vscode.l10n.bundle, from the file VS Code would load.
      l10n.config({ fsPath: file });
      const payload = buildDashboardPayload(state);
      assert.equal(payload.forecast.text, translated('No samples yet.'));
      assert.deepEqual(payload.live?.notes, [translated('Role {0} can terminate only its own sessions: others need superuser or pg_signal_backend.', 'watcher')]);
      assert.ok(payload.live?.maxConnections.text.includes(translated('max_connections takes effect only after a server restart; SELECT pg_reload_conf() is not enough. Standbys need a max_connections at least as high as the primary.')));
      assert.notEqual(translated('No samples yet.'), 'No samples yet.');
      assert.equal(describeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).message, translated('Server not reachable: connection refused (is PostgreSQL running and listening on this host and port?).'));
      assert.equal(ageText(10_000, 22_400), translated('{0} s ago', 12));
    } finally {
      l10n.config({ contents: {} });
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const payload = buildDashboardPayload(state);
    assert.equal(payload.forecast.text, 'No samples yet.');
    assert.equal(ageText(10_000, 22_400), '12 s ago');
  });

  it('gives the dashboard webview the bundle in its page: its own words come out translated, under the same CSP', async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    const pseudo = getL10nPseudoLocalized(readBundle());
    const translated = (key: string): string => pseudo[key] as string;
    const harness = await openWebviewHarness(undefined, undefined, { bundle: JSON.stringify(pseudo), language: 'qps-ploc' });
    try {
      const view = harness.page;
      const payload = buildDashboardPayload(databaseState(snapshot(sessions(10))));
      await harness.send({ type: 'state', payload });
      await view.locator('[data-testid=usage-used]').waitFor();
      assert.equal(await view.locator('html').getAttribute('lang'), 'qps-ploc');
      assert.equal(await view.locator('#usage-title').innerText(), translated('Connections now'));
      assert.equal(await view.locator('[data-testid=export-json]').innerText(), translated('Export JSON'));
      assert.equal(await view.locator('h1').innerText(), translated('PostgreSQL Health: {0}').replace('{0}', payload.name));
      // A sentence with numbers in it keeps them as elements, where the translation puts them.
      const sentence = translated(
        'Sized from the observed peak of {peak} ({busy} busy at once) and {budget} of the server\'s slots: up to {clients} clients share {poolSize} per pool ({pools}, one per user and database), plus {reserve} in reserve./{peak} is "120 connections", {poolSize} "5 server connections", {pools} "2 pools"; the other placeholders are numbers',
      );
      const paragraph = await view.locator('p', { has: view.locator('[data-testid=pgbouncer-peak]') }).innerText();
      assert.ok(paragraph.startsWith(sentence.slice(0, sentence.indexOf('{'))), paragraph);
      assert.equal(await view.locator('[data-testid=pgbouncer-peak]').innerText(), String(payload.live?.pgbouncer.peak));
      assert.deepEqual(await harness.violations(), []);
      assert.deepEqual(harness.errors, []);
    } finally {
      await harness.close();
    }
  });
});
