// Turns the exclusion lists (settings, files.exclude, .gitignore) into globs that findFiles accepts
// as one `{a,b,c}` group. VS Code's glob does not nest braces, so user globs are expanded first.

const MAX_EXPANSIONS = 256;

/** `**\/*.{test,spec}.ts` -> `**\/*.test.ts`, `**\/*.spec.ts`; unbalanced braces are left alone. */
export function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  if (open < 0) return [glob];
  const alternatives: string[] = [];
  let depth = 0;
  let start = open + 1;
  let close = -1;
  for (let i = open; i < glob.length && close < 0; i++) {
    const c = glob[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      alternatives.push(glob.slice(start, i));
      close = i;
    } else if (c === ',' && depth === 1) {
      alternatives.push(glob.slice(start, i));
      start = i + 1;
    }
  }
  if (close < 0) return [glob];
  const tails = expandBraces(glob.slice(close + 1));
  const out: string[] = [];
  for (const alternative of alternatives) {
    for (const head of expandBraces(glob.slice(0, open) + alternative)) {
      for (const tail of tails) {
        if (out.length >= MAX_EXPANSIONS) return out;
        out.push(head + tail);
      }
    }
  }
  return out;
}

/**
 * Globs for the ignore patterns of a repository's root `.gitignore`. Negations cannot be expressed in an
 * exclude glob and are dropped, so a re-included file stays excluded; braces are literal in git and
 * would be a group here, so such lines are dropped too.
 */
export function gitignoreGlobs(content: string): string[] {
  const globs: string[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!') || /[{}]/.test(line)) continue;
    const pattern = line.replace(/\/+$/, '');
    if (pattern === '' || pattern === '/') continue;
    // A slash before the end anchors the pattern at the root; otherwise it matches at any depth.
    const anchored = pattern.includes('/');
    const glob = anchored ? pattern.replace(/^\/+/, '') : `**/${pattern}`;
    globs.push(glob, `${glob}/**`);
  }
  return globs;
}

/** One findFiles exclude for all `globs`, or undefined when there is nothing to exclude. */
export function excludeGroup(globs: readonly string[]): string | undefined {
  const unique = [...new Set(globs.flatMap(expandBraces))];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `{${unique.join(',')}}`;
}
