// Which Prometheus series belong to a configured connection: a label selector per connection
// (`prometheusSelector`, e.g. `{instance="127.0.0.1:9187"}`), by default postgres_exporter's
// `server` label, which it sets to the host:port it connects to.
import * as l10n from '@vscode/l10n';

export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  matchers: LabelMatcher[];
  /** The matchers as PromQL writes them inside braces. */
  text: string;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/** Splits on the commas outside quotes. */
function splitMatchers(inner: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as string;
    if (quoted && c === '\\') {
      current += c + (inner[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.filter((p) => p.trim() !== '');
}

/** Parses `{a="b", c=~"d.*"}` (braces optional); a string saying what is wrong otherwise. */
export function parseSelector(text: string): Selector | string {
  let inner = text.trim();
  if (inner.startsWith('{') && inner.endsWith('}')) inner = inner.slice(1, -1);
  const matchers: LabelMatcher[] = [];
  for (const part of splitMatchers(inner)) {
    const m = MATCHER.exec(part);
    if (!m) return l10n.t('Not a Prometheus label matcher: {0} (expected e.g. instance="127.0.0.1:9187").', part.trim());
    const op = m[2] as LabelMatcher['op'];
    const value = unescape(m[3] as string);
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        return l10n.t('Not a regular expression: {0}', value);
      }
    }
    matchers.push({ name: m[1] as string, op, value });
  }
  if (matchers.length === 0) return l10n.t('The Prometheus selector is empty: give at least one label matcher, e.g. {instance="127.0.0.1:9187"}.');
  return { matchers, text: matchers.map((x) => `${x.name}${x.op}${quote(x.value)}`).join(',') };
}

/** postgres_exporter labels its series with `server="host:port"`: the default match of a connection. */
export function defaultSelector(host: string, port: number): Selector {
  const value = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  return { matchers: [{ name: 'server', op: '=', value }], text: `server=${quote(value)}` };
}

/** `metric{matchers}`. */
export function withSelector(metric: string, selector: Selector | undefined): string {
  return selector ? `${metric}{${selector.text}}` : metric;
}

/** Whether a series with these labels matches (what Prometheus would select). */
export function matchesLabels(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.matchers.every((m) => {
    const value = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return value === m.value;
      case '!=':
        return value !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(value);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(value);
    }
  });
}
