// Text edits a fix is made of, and the small text utilities the fixes share.
import type { SourceRange } from '../findings';

export interface TextEdit {
  range: SourceRange;
  newText: string;
}

export interface Fix {
  /** Starts with "Wrap in try/finally" or names the idiom it applies. */
  title: string;
  edits: TextEdit[];
  /** True when the fix fully resolves the finding. */
  isPreferred: boolean;
}

/** Offsets of line starts, to convert between string offsets and 0-based line/column (UTF-16). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  offset(line: number, column: number): number {
    return (this.starts[line] ?? this.text.length) + column;
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, column: offset - (this.starts[low] as number) };
  }

  range(start: number, end: number): SourceRange {
    const a = this.position(start);
    const b = this.position(end);
    return { startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  lineEnd(offset: number): number {
    const end = this.text.indexOf('\n', offset);
    return end < 0 ? this.text.length : end;
  }

  indentationAt(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start))?.[0] ?? '';
  }
}

let lastIndex: LineIndex | undefined;

/** The index of `text`, shared by the fixes of one file's many findings (building one walks the whole text). */
export function lineIndexOf(text: string): LineIndex {
  if (lastIndex?.text !== text) lastIndex = new LineIndex(text);
  return lastIndex;
}

/** Applies non-overlapping edits; later edits first so earlier offsets stay valid. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const index = new LineIndex(text);
  const absolute = edits
    .map((e) => ({ start: index.offset(e.range.startLine, e.range.startColumn), end: index.offset(e.range.endLine, e.range.endColumn), text: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  let limit = Infinity;
  for (const edit of absolute) {
    if (edit.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    limit = edit.start;
  }
  return out;
}

export function editsOverlap(a: readonly TextEdit[], b: readonly TextEdit[]): boolean {
  const key = (r: SourceRange): [number, number, number, number] => [r.startLine, r.startColumn, r.endLine, r.endColumn];
  const before = (l1: number, c1: number, l2: number, c2: number): boolean => l1 < l2 || (l1 === l2 && c1 <= c2);
  return a.some((x) =>
    b.some((y) => {
      const [xs, xsc, xe, xec] = key(x.range);
      const [ys, ysc, ye, yec] = key(y.range);
      return !(before(xe, xec, ys, ysc) || before(ye, yec, xs, xsc));
    }),
  );
}
