// Enough of .gitignore to skip what a repository ignores: globs, `**`, anchored and directory-only
// patterns, negation. Each .gitignore applies to its own folder and below; the last match wins.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Rule {
  regex: RegExp;
  negated: boolean;
  directoryOnly: boolean;
  /** Patterns without a slash match a name at any depth. */
  anchored: boolean;
}

export interface IgnoreFile {
  /** Folder the file sits in (absolute). */
  base: string;
  rules: Rule[];
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      out += `\\${glob[++i]}`;
    } else out += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
  }
  return out;
}

export function parseIgnoreFile(base: string, text: string): IgnoreFile {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    if (directoryOnly) line = line.slice(0, -1);
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    if (!line) continue;
    rules.push({ regex: new RegExp(`^${globToRegex(line)}$`), negated, directoryOnly, anchored });
  }
  return { base, rules };
}

export function readIgnoreFile(dir: string): IgnoreFile | undefined {
  try {
    return parseIgnoreFile(dir, fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether `absolute` is ignored by the given files (outermost first). */
export function isIgnored(absolute: string, isDirectory: boolean, files: readonly IgnoreFile[]): boolean {
  let ignored = false;
  for (const file of files) {
    const relative = path.relative(file.base, absolute).split(path.sep).join('/');
    if (!relative || relative.startsWith('..')) continue;
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    for (const rule of file.rules) {
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.regex.test(rule.anchored ? relative : name)) ignored = !rule.negated;
    }
  }
  return ignored;
}
