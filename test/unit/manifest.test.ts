import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';

// The manifest as the Settings editor, the Command Palette and the walkthrough read it.
interface Setting {
  order?: number;
  scope?: string;
  description?: string;
  markdownDescription?: string;
  enum?: string[];
  enumDescriptions?: string[];
}

const raw = fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
const nls = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;
/** The English text VS Code shows for a "%key%" (package.nls.json). */
const text = (value: string | undefined): string => (value ?? '').replace(/^%([^%]+)%$/, (_, k: string) => nls[k] ?? `MISSING ${k}`);
const manifest = JSON.parse(raw) as {
  contributes: {
    configuration: { properties: Record<string, Setting> };
    commands: Array<{ command: string; title: string; category?: string }>;
    keybindings: Array<{ command: string; key: string; when?: string }>;
    walkthroughs: Array<{ steps: Array<{ id: string; media: { markdown?: string }; completionEvents?: string[] }> }>;
  };
};

describe('manifest', () => {
  const settings = Object.entries(manifest.contributes.configuration.properties);

  it('gives every setting an order, a scope and a description; enums describe each value', () => {
    const orders = new Set<number>();
    for (const [name, s] of settings) {
      assert.equal(typeof s.order, 'number', `${name}: order`);
      assert.ok(!orders.has(s.order as number), `${name}: order ${s.order} is unique`);
      orders.add(s.order as number);
      assert.ok(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(s.scope ?? ''), `${name}: scope ${s.scope}`);
      assert.ok(text(s.markdownDescription ?? s.description).length > 20, `${name}: description`);
      if (s.enum) assert.equal(s.enumDescriptions?.length, s.enum.length, `${name}: a description for each value`);
    }
  });

  it('links the settings it mentions, and only to settings that exist', () => {
    const names = new Set(settings.map(([n]) => n));
    for (const [name, s] of settings) {
      const shown = text(s.markdownDescription ?? s.description);
      for (const m of shown.matchAll(/`#(pgHealth\.[\w.]+)#`/g)) assert.ok(names.has(m[1] ?? ''), `${name} links to ${m[1]}, which exists`);
      // A plain mention would not be clickable in the Settings editor.
      const plain = shown.replace(/`#pgHealth\.[\w.]+#`/g, '');
      assert.doesNotMatch(plain, /\bpgHealth\.[a-z]/, `${name}: mentions of other settings are links`);
    }
  });

  it('names every command in the PostgreSQL Health category, and binds keys only inside its own view', () => {
    for (const c of manifest.contributes.commands) assert.equal(text(c.category), 'PostgreSQL Health', c.command);
    for (const k of manifest.contributes.keybindings) assert.match(k.when ?? '', /focusedView == pgHealth\.databases/, `${k.key} → ${k.command}`);
  });

  it('has a page and a completion event for every walkthrough step', () => {
    for (const step of manifest.contributes.walkthroughs.flatMap((w) => w.steps)) {
      assert.ok(step.media.markdown && fs.existsSync(path.join(repoRoot, step.media.markdown)), `${step.id}: page`);
      assert.ok((step.completionEvents ?? []).length > 0, `${step.id}: completes on something the user does`);
    }
  });

  it('takes every string a user reads from package.nls.json, and every string there is used', () => {
    const visible = new Set(['displayName', 'description', 'title', 'name', 'contextualTitle', 'contents', 'markdownDescription', 'category']);
    const unlocalised: string[] = [];
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          const at = `${where}.${k}`;
          const isText = visible.has(k) || k === 'enumDescriptions' || (k === 'description' && !at.includes('.default'));
          if (isText && typeof v === 'string' && !/^%[^%]+%$/.test(v)) unlocalised.push(`${at}: ${v.slice(0, 40)}`);
          else if (isText && Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && !/^%[^%]+%$/.test(x) && unlocalised.push(`${at}[${i}]`));
          else walk(v, at);
        }
      }
    };
    const top = JSON.parse(raw) as Record<string, unknown>;
    walk({ displayName: top['displayName'], description: top['description'], contributes: top['contributes'], capabilities: top['capabilities'] }, 'package.json');
    assert.deepEqual(unlocalised, []);
    const keys = [...raw.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1] ?? '');
    assert.deepEqual(keys.filter((k) => nls[k] === undefined), [], 'every %key% has its English text');
    assert.deepEqual(Object.keys(nls).filter((k) => !keys.includes(k)), [], 'no unused strings');
  });
});
