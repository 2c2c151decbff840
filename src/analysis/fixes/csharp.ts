// C#'s fixes: a `using` / `await using` declaration for the connection.
//
// `var conn = await ds.OpenConnectionAsync();` → `await using var conn = await ds.OpenConnectionAsync();`
// (plain `using` outside an async function), and the `conn.Close()` / `Dispose()` statements of the
// same block dropped: the declaration disposes when the block ends, on every path. For `Open()` on a
// connection the method created, the declaration that created it gets the `using`. A connection opened
// inside another declaration's initializer (`using var cmd = new NpgsqlCommand(sql, await
// ds.OpenConnectionAsync());`) gets a declaration of its own before it. Only offered when sure: the
// declaration sits directly in a block (or the file's top-level statements), declares only the
// connection, which is neither handed over (returned, stored) nor assigned again, and no `goto` label
// follows it in the block (C# forbids jumping past a using declaration).
import type { Finding, SourceRange } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { csBare, declarators, usingDeclaration } from '../lowering/csharp';
import { lineIndexOf, type Fix, type LineIndex, type TextEdit } from './edits';
import { nodeAt } from './syntax';

const FUNCTIONS = new Set(['method_declaration', 'constructor_declaration', 'local_function_statement', 'lambda_expression', 'anonymous_method_expression']);
const RELEASE_METHODS = /^(Dispose|DisposeAsync|Close|CloseAsync)$/;

export function csharpFixes(root: SyntaxNode, finding: Finding, text: string): (() => Fix | undefined)[] {
  if (finding.rule !== 'unreleased-client' && finding.rule !== 'release-not-guaranteed') return [];
  return [() => usingDeclarationFix(root, finding, text) ?? ownDeclarationFix(root, finding, text)];
}

function usingDeclarationFix(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  if (!resource || variable === undefined || resource.handedOver || resource.helperReleases.length > 0) return undefined;
  const acquireStatement = nodeAt(root, resource.acquireStatementRange, (n) => n.type.endsWith('_statement'));
  if (!acquireStatement) return undefined;
  const list = statementList(acquireStatement);
  if (!list) return undefined;
  // The declaration of the connection: the acquire itself (`var conn = ds.OpenConnection();`), or for
  // `conn.Open()` the one that created it earlier in the same block.
  const at = list.statements.findIndex((s) => s.id === acquireStatement.id);
  const declaration = list.statements
    .slice(0, at + 1)
    .reverse()
    .find((s) => s.type === 'local_declaration_statement' && declaresOnly(s, variable));
  if (at < 0 || !declaration || usingDeclaration(declaration)) return undefined;
  const from = list.statements.findIndex((s) => s.id === declaration.id);
  const fn = enclosingFunction(declaration);
  const scope = fn ?? root;
  if (assignsAgain(scope, variable, declaration)) return undefined;
  const after = list.statements.slice(from + 1);
  if (after.some((s) => s.type === 'labeled_statement')) return undefined;
  // A closure that outlives the block could use the connection after it is disposed.
  if (after.some((s) => capturedIn(s, variable))) return undefined;
  const index = lineIndexOf(text);
  const edits: TextEdit[] = [{ range: pointRange(declaration.startPosition.row, declaration.startPosition.column), newText: `${usingKeyword(fn, declaration)} ` }];
  // The block's own `conn.Close()` / `Dispose()` statements are now redundant; releases deeper in (a
  // catch, an early exit) stay: disposing what is already closed is harmless.
  for (const range of resource.releaseRanges) {
    const statement = releaseStatement(root, range, variable);
    if (!statement || !after.some((s) => s.id === statement.id)) continue;
    const removal = removeRows(statement, index);
    if (!removal) return undefined;
    edits.push(removal);
  }
  return { title: `Declare \`${variable}\` with \`${edits[0]?.newText.trim()}\``, edits, isPreferred: true };
}

/**
 * `using var cmd = new NpgsqlCommand(sql, await ds.OpenConnectionAsync());`: the connection gets a
 * `using` declaration of its own before the statement, and the argument becomes its name.
 */
function ownDeclarationFix(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  if (!resource || resource.variable !== undefined || resource.handedOver || resource.releaseRanges.length > 0) return undefined;
  const statement = nodeAt(root, resource.acquireStatementRange, (n) => n.type.endsWith('_statement'));
  if (!statement || statement.type !== 'local_declaration_statement' || !statementList(statement)) return undefined;
  const call = nodeAt(root, resource.acquireRange, (n) => n.type === 'invocation_expression');
  if (!call) return undefined;
  // The value given to the argument: the call, or `await` of it.
  const value = call.parent?.type === 'await_expression' ? call.parent : call;
  const argument = value.parent;
  if (argument?.type !== 'argument' || argument.namedChildren.length !== 1) return undefined;
  // Only an argument of the declaration's own initializer (not inside a lambda there).
  for (let n: SyntaxNode | null = argument; n && n.id !== statement.id; n = n.parent) if (FUNCTIONS.has(n.type)) return undefined;
  const fn = enclosingFunction(statement);
  const name = freshName(fn ?? root, ['conn', 'connection', 'npgsqlConnection']);
  if (!name) return undefined;
  const index = lineIndexOf(text);
  const indent = index.indentationAt(statement.startIndex);
  const edits: TextEdit[] = [
    { range: pointRange(statement.startPosition.row, statement.startPosition.column), newText: `${usingKeyword(fn, statement)} var ${name} = ${value.text};\n${indent}` },
    { range: rangeOfNode(value), newText: name },
  ];
  return { title: `Declare the connection with \`${usingKeyword(fn, statement)}\``, edits, isPreferred: true };
}

/** The statements around `statement` in its block (or the file's top-level statements). */
function statementList(statement: SyntaxNode): { statements: SyntaxNode[] } | undefined {
  const parent = statement.parent;
  if (parent?.type === 'block') return { statements: parent.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment') };
  if (parent?.type === 'global_statement' && parent.parent) {
    const statements = parent.parent.namedChildren.filter((n): n is SyntaxNode => n?.type === 'global_statement').map((g) => g.namedChild(0) as SyntaxNode);
    return { statements };
  }
  return undefined;
}

function declaresOnly(statement: SyntaxNode, variable: string): boolean {
  const declaration = statement.namedChildren.find((c) => c?.type === 'variable_declaration');
  if (!declaration) return false;
  const list = declarators(declaration);
  return list.length === 1 && list[0]?.name.text === variable && list[0].value !== undefined;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (FUNCTIONS.has(n.type)) return n;
  return undefined;
}

/** `await using` in an async function (or top-level code that awaits), `using` elsewhere. */
function usingKeyword(fn: SyntaxNode | undefined, statement: SyntaxNode): string {
  if (!fn) return /\bawait\b/.test(statement.text) ? 'await using' : 'using';
  const async = fn.children.some((c) => c?.type === 'async' || (c?.type === 'modifier' && c.text === 'async'));
  return async ? 'await using' : 'using';
}

/** Whether `variable` is assigned anywhere in `scope` besides its declaration. */
function assignsAgain(scope: SyntaxNode, variable: string, declaration: SyntaxNode): boolean {
  const stack = [scope];
  while (stack.length) {
    const n = stack.pop() as SyntaxNode;
    if (n.type === 'assignment_expression') {
      const left = n.childForFieldName('left');
      if (left && csBare(left).type === 'identifier' && csBare(left).text === variable) return true;
    }
    if (n.type === 'argument' && /^(ref|out)\b/.test(n.text) && n.namedChildren.some((c) => c?.type === 'identifier' && c.text === variable)) return true;
    if (n.type === 'variable_declarator' && n.childForFieldName('name')?.text === variable && !(n.parent?.parent?.id === declaration.id)) return true;
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

function capturedIn(node: SyntaxNode, variable: string, nested = false): boolean {
  if (nested && node.type === 'identifier' && node.text === variable) return true;
  const deeper = nested || FUNCTIONS.has(node.type);
  for (const c of node.namedChildren) if (c && capturedIn(c, variable, deeper)) return true;
  return false;
}

/** The statement a release of `variable` is: `conn.Close();`, `await conn.DisposeAsync();`, `conn?.Dispose();`. */
function releaseStatement(root: SyntaxNode, range: SourceRange, variable: string): SyntaxNode | undefined {
  const call = nodeAt(root, range, (n) => n.type === 'invocation_expression');
  if (!call) return undefined;
  const value = call.parent?.type === 'await_expression' ? call.parent : call;
  const statement = value.parent;
  if (statement?.type !== 'expression_statement') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  let object: SyntaxNode | null = null;
  let name: string | undefined;
  if (fn.type === 'member_access_expression') {
    object = fn.childForFieldName('expression');
    name = fn.childForFieldName('name')?.text;
  } else if (fn.type === 'conditional_access_expression') {
    object = fn.childForFieldName('condition');
    name = fn.namedChildren.find((c) => c?.type === 'member_binding_expression')?.childForFieldName('name')?.text;
  }
  if (!object || object.text !== variable || !name || !RELEASE_METHODS.test(name)) return undefined;
  const args = call.childForFieldName('arguments');
  if (args && args.namedChildren.length > 0) return undefined;
  return statement;
}

/** Deletes the rows of a statement alone on its lines (a trailing comment goes with it). */
function removeRows(statement: SyntaxNode, index: LineIndex): TextEdit | undefined {
  const lineStart = index.lineStart(statement.startIndex);
  const lineEnd = index.lineEnd(statement.endIndex);
  const rest = index.text.slice(statement.endIndex, lineEnd).trim();
  if (index.text.slice(lineStart, statement.startIndex).trim() !== '' || (rest !== '' && !rest.startsWith('//'))) return undefined;
  const first = statement.startPosition.row;
  const last = statement.endPosition.row;
  return { range: { startLine: first, startColumn: 0, endLine: last + 1, endColumn: 0 }, newText: '' };
}

function freshName(scope: SyntaxNode, candidates: string[]): string | undefined {
  const used = new Set<string>();
  const stack = [scope];
  while (stack.length) {
    const n = stack.pop() as SyntaxNode;
    if (n.type === 'identifier') used.add(n.text);
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return candidates.find((c) => !used.has(c));
}

function pointRange(row: number, column: number): SourceRange {
  return { startLine: row, startColumn: column, endLine: row, endColumn: column };
}

function rangeOfNode(node: SyntaxNode): SourceRange {
  return { startLine: node.startPosition.row, startColumn: node.startPosition.column, endLine: node.endPosition.row, endColumn: node.endPosition.column };
}
