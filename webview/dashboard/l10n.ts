// The dashboard's words in the display language. The extension host puts VS Code's bundle for that
// language into the page (src/dashboard/dashboardHtml.ts, a <meta> element: data, not script, so the
// CSP stays as it is); @vscode/l10n is configured with it here, when this module is first imported —
// main.ts imports it before anything that draws. Without a bundle every l10n.t returns the English.
import * as l10n from '@vscode/l10n';
import { L10N_META_NAME } from '../../src/dashboard/protocol';
import { Child } from './dom';

const bundle = document.querySelector(`meta[name="${L10N_META_NAME}"]`)?.getAttribute('content');
if (bundle) l10n.config({ contents: bundle });

/**
 * A translated sentence with elements in it: each {name} of `template` (a message from l10n.t given
 * no arguments, so its placeholders are still there, in the translation's order) becomes parts[name];
 * a part may be several children ("<strong>3</strong> connections").
 */
export function fill(template: string, parts: Readonly<Record<string, Child | readonly Child[]>>): Child[] {
  const out: Child[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    const index = m.index ?? 0;
    if (index > last) out.push(template.slice(last, index));
    const part = parts[m[1] ?? ''];
    if (part === undefined) out.push(m[0]);
    else if (Array.isArray(part)) out.push(...(part as readonly Child[]));
    else out.push(part as Child);
    last = index + m[0].length;
  }
  if (last < template.length) out.push(template.slice(last));
  return out;
}
