// A unified diff of two texts (for `pg-health fix --dry-run`): common prefix and suffix trimmed, the
// middle compared line by line (LCS), hunks with three lines of context.

const CONTEXT = 3;

type Line = { kind: ' ' | '-' | '+'; text: string };

function lcsDiff(a: string[], b: string[]): Line[] {
  const n = a.length;
  const m = b.length;
  // Quadratic in the changed region only; fixes touch a few dozen lines.
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = a[i] === b[j] ? ((table[i + 1] as number[])[j + 1] as number) + 1 : Math.max((table[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const out: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: ' ', text: a[i] as string });
      i++;
      j++;
    } else if (((table[i + 1] as number[])[j] as number) >= ((table[i] as number[])[j + 1] as number)) out.push({ kind: '-', text: a[i++] as string });
    else out.push({ kind: '+', text: b[j++] as string });
  }
  while (i < n) out.push({ kind: '-', text: a[i++] as string });
  while (j < m) out.push({ kind: '+', text: b[j++] as string });
  return out;
}

export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  // A final newline ends the last line; it is not an empty line of its own.
  const lines = (text: string): string[] => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const a = lines(before);
  const b = lines(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const diff: Line[] = [
    ...a.slice(0, prefix).map((text): Line => ({ kind: ' ', text })),
    ...lcsDiff(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix)),
    ...a.slice(a.length - suffix).map((text): Line => ({ kind: ' ', text })),
  ];
  const name = file.split('\\').join('/').replace(/^\/+/, '');
  let out = `--- a/${name}\n+++ b/${name}\n`;
  let index = 0;
  let oldLine = 1;
  let newLine = 1;
  while (index < diff.length) {
    while (index < diff.length && (diff[index] as Line).kind === ' ') {
      index++;
      oldLine++;
      newLine++;
    }
    if (index >= diff.length) break;
    // A hunk: back up for context, then run until CONTEXT*2 unchanged lines in a row.
    const start = Math.max(0, index - CONTEXT);
    let end = index;
    let quiet = 0;
    while (end < diff.length && quiet <= CONTEXT * 2) {
      quiet = (diff[end] as Line).kind === ' ' ? quiet + 1 : 0;
      end++;
    }
    end = Math.min(diff.length, end - Math.max(0, quiet - CONTEXT));
    const hunk = diff.slice(start, end);
    const back = index - start;
    const oldStart = oldLine - back;
    const newStart = newLine - back;
    const oldCount = hunk.filter((l) => l.kind !== '+').length;
    const newCount = hunk.filter((l) => l.kind !== '-').length;
    out += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    for (const l of hunk) out += `${l.kind}${l.text}\n`;
    for (const l of diff.slice(index, end)) {
      if (l.kind !== '+') oldLine++;
      if (l.kind !== '-') newLine++;
    }
    index = end;
  }
  return out;
}
