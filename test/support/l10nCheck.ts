// Finds user-visible text that does not go through l10n.t, with the TypeScript compiler's own syntax
// tree (and its type checker, to follow a `const confirm = 'Remove'` to the button it labels):
// - literal words handed to VS Code's UI: message boxes and their buttons, quick pick and input box
//   titles, prompts, placeholders, items and validation messages, progress titles and messages, tree
//   items, code actions, markdown, status bar texts and tooltips, accessibility labels, command titles;
// - l10n.t calls whose message or comment is not a literal: @vscode/l10n-dev extracts only literals,
//   so any other key would never be found in a translation.
// A "literal" is what a value is built of without a call: a string, a template's text, both sides of
// `+` and `?:`, and a const it names. Text counts as words when, without codicons ($(error)) and
// placeholders ({0}), it has two words, or one capitalised word ("Remove"), or one word ending in
// "…" or "." ("checking…") — so "prefer" (an sslmode), "pgHealth.refresh" and "CSV" do not.
import * as path from 'node:path';
import * as ts from 'typescript';

export interface Unlocalised {
  /** file:line, relative to the root given. */
  where: string;
  /** What the text is handed to ("showWarningMessage", ".tooltip", "title", …). */
  sink: string;
  text: string;
}

/** Properties whose value VS Code shows as text, in any object literal and as assignment targets. */
const TEXT_PROPERTIES = new Set(['title', 'prompt', 'placeHolder', 'placeholder', 'tooltip', 'detail', 'label', 'description', 'message', 'validationMessage', 'text', 'openLabel', 'aria-label', 'textContent']);
/** Calls whose arguments at these positions are shown as text (any receiver: vscode.window.x, window.x, input.x). */
const CALL_ARGUMENTS = new Map<string, readonly number[] | 'all'>(Object.entries({
  showInformationMessage: 'all',
  showWarningMessage: 'all',
  showErrorMessage: 'all',
  setStatusBarMessage: [0],
  appendMarkdown: [0],
  createWebviewPanel: [1],
  // The dashboard webview's DOM builders (webview/dashboard/dom.ts, toolkit.ts).
  button: [0],
  badge: [0],
}));
/** Calls whose arguments from this position on are text content: h(tag, attributes, ...children). */
const CHILDREN_FROM = new Map(Object.entries({ h: 2, svg: 2 }));
/** Constructors whose arguments at these positions are shown as text. */
const CONSTRUCTOR_ARGUMENTS = new Map<string, readonly number[]>(Object.entries({
  TreeItem: [0],
  CodeAction: [0],
  MarkdownString: [0],
  MessageNode: [1, 3],
  ConnectionConfigError: [0],
}));
/** Function-valued properties whose returned strings are shown (validation messages). */
const VALIDATORS = new Set(['validateInput', 'validate']);

export function hasWords(text: string): boolean {
  const plain = text
    .replace(/\$\([\w~-]+\)/g, ' ')
    .replace(/\{\w+\}/g, ' ')
    .trim();
  const words = plain.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [];
  if (words.length === 0) return false;
  if (/[A-Za-z]{2,}[^\S\n]+[A-Za-z]{2,}/.test(plain)) return true;
  if (/^[A-Z][a-z]/.test(plain)) return true;
  return /^[a-z]{2,}[A-Za-z-]*(…|\.)$/.test(plain);
}

/** The literal pieces a value is built of (see the top of the file), with where each one is. */
function literalPieces(expression: ts.Expression, checker: ts.TypeChecker, seen = new Set<ts.Node>()): Array<{ node: ts.Node; text: string }> {
  if (seen.has(expression)) return [];
  seen.add(expression);
  const e = expression;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [{ node: e, text: e.text }];
  if (ts.isTemplateExpression(e)) {
    const text = e.head.text + e.templateSpans.map((s) => ` ${s.literal.text}`).join('');
    return [{ node: e, text }, ...e.templateSpans.flatMap((s) => literalPieces(s.expression, checker, seen))];
  }
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) return literalPieces(e.expression, checker, seen);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    return [...literalPieces(e.left, checker, seen), ...literalPieces(e.right, checker, seen)];
  }
  if (ts.isConditionalExpression(e)) return [...literalPieces(e.whenTrue, checker, seen), ...literalPieces(e.whenFalse, checker, seen)];
  if (ts.isIdentifier(e)) {
    const symbol = checker.getSymbolAtLocation(e);
    const declaration = symbol?.valueDeclaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
      return literalPieces(declaration.initializer, checker, seen);
    }
  }
  return [];
}

function calleeName(expression: ts.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  return undefined;
}

/** `l10n.t(…)` or `vscode.l10n.t(…)`. */
function isL10nCall(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const target = callee.expression;
  return (ts.isIdentifier(target) && target.text === 'l10n') || (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n');
}

function isStaticString(e: ts.Expression): boolean {
  return ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e);
}

function propertyName(p: ts.ObjectLiteralElementLike): string | undefined {
  return p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
}

/** Why an l10n.t call's key cannot be extracted, or undefined when it can. */
function dynamicKey(call: ts.CallExpression): string | undefined {
  const first = call.arguments[0];
  if (!first) return 'l10n.t() without a message';
  if (isStaticString(first)) return undefined;
  if (!ts.isObjectLiteralExpression(first)) return 'the message is not a string literal';
  const byName = new Map(first.properties.map((p) => [propertyName(p), p]));
  const message = byName.get('message');
  if (!message || !ts.isPropertyAssignment(message) || !isStaticString(message.initializer)) return 'the message is not a string literal';
  const comment = byName.get('comment');
  if (!comment) return undefined;
  if (!ts.isPropertyAssignment(comment)) return 'the comment is not a literal (a shorthand property)';
  const value = comment.initializer;
  if (isStaticString(value)) return undefined;
  if (ts.isArrayLiteralExpression(value) && value.elements.every((x) => isStaticString(x))) return undefined;
  return 'the comment is not a string literal or an array of them';
}

export interface CheckResult {
  unlocalised: Unlocalised[];
  /** l10n.t calls the extractor cannot read. */
  dynamicKeys: Unlocalised[];
  /**
   * @vscode/l10n's l10n.t called while a module loads (outside any function), in a file `atLoadMatters`
   * accepts: in the extension host that runs before activate() hands it the bundle, so it stays English.
   */
  atModuleLoad: Unlocalised[];
}

/** Checks the files (absolute paths) with one program; paths in the result are relative to `root`. */
export function checkLocalisation(files: readonly string[], root: string, options: ts.CompilerOptions = {}, atLoadMatters: (relative: string) => boolean = () => true): CheckResult {
  const program = ts.createProgram(files, { noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, ...options });
  const checker = program.getTypeChecker();
  const unlocalised: Unlocalised[] = [];
  const dynamicKeys: Unlocalised[] = [];
  const atModuleLoad: Unlocalised[] = [];
  const reported = new Set<ts.Node>();

  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const relative = path.relative(root, file).split(path.sep).join('/');
    const where = (node: ts.Node): string => `${relative}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
    const insideFunction = (node: ts.Node): boolean => {
      for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return true;
      return false;
    };
    const report = (value: ts.Expression | undefined, sink: string): void => {
      if (!value) return;
      for (const piece of literalPieces(value, checker)) {
        if (reported.has(piece.node) || !hasWords(piece.text)) continue;
        reported.add(piece.node);
        unlocalised.push({ where: where(piece.node), sink, text: piece.text });
      }
    };
    const reportReturns = (fn: ts.Expression, sink: string): void => {
      if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return;
      if (!ts.isBlock(fn.body)) return report(fn.body, sink);
      const visitReturns = (node: ts.Node): void => {
        if (ts.isReturnStatement(node)) report(node.expression, sink);
        else if (!ts.isFunctionLike(node)) ts.forEachChild(node, visitReturns);
      };
      visitReturns(fn.body);
    };

    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        if (isL10nCall(node)) {
          const why = dynamicKey(node);
          if (why) dynamicKeys.push({ where: where(node), sink: 'l10n.t', text: why });
          const viaVscode = ts.isPropertyAccessExpression(node.expression) && ts.isPropertyAccessExpression(node.expression.expression);
          if (!viaVscode && atLoadMatters(relative) && !insideFunction(node)) atModuleLoad.push({ where: where(node), sink: 'l10n.t', text: 'runs when the module loads' });
          // Its arguments are values put into a translated message: not checked.
          return;
        }
        const name = calleeName(node.expression);
        const positions = name ? CALL_ARGUMENTS.get(name) : undefined;
        if (positions) node.arguments.forEach((arg, i) => (positions === 'all' || positions.includes(i)) && !ts.isObjectLiteralExpression(arg) && report(arg, name ?? ''));
        const from = name ? CHILDREN_FROM.get(name) : undefined;
        if (from !== undefined) node.arguments.forEach((arg, i) => i >= from && report(arg, `${name}() child`));
        if (name === 'showQuickPick' && node.arguments[0] && ts.isArrayLiteralExpression(node.arguments[0])) {
          for (const item of node.arguments[0].elements) if (!ts.isObjectLiteralExpression(item)) report(item, 'showQuickPick item');
        }
      }
      if (ts.isNewExpression(node)) {
        const name = calleeName(node.expression);
        const positions = name ? CONSTRUCTOR_ARGUMENTS.get(name) : undefined;
        if (positions) (node.arguments ?? []).forEach((arg, i) => positions.includes(i) && report(arg, `new ${name}`));
      }
      if (ts.isPropertyAssignment(node)) {
        const name = propertyName(node);
        if (name && TEXT_PROPERTIES.has(name)) report(node.initializer, name);
        if (name && VALIDATORS.has(name)) reportReturns(node.initializer, name);
      }
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)) {
        const name = node.left.name.text;
        if (TEXT_PROPERTIES.has(name)) report(node.right, `.${name}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const order = (a: Unlocalised, b: Unlocalised): number => a.where.localeCompare(b.where, 'en', { numeric: true });
  return { unlocalised: unlocalised.sort(order), dynamicKeys: dynamicKeys.sort(order), atModuleLoad: atModuleLoad.sort(order) };
}
