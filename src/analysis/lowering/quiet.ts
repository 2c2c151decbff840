// Functions of a file that cannot throw, read off their syntax: a caller's path through them has no
// exit by exception. Two shapes, seen in code others wrote:
// - the body calls only what the catalogue takes not to throw (loggers, listener registration:
//   `attachErrorHandler(settings, client)` that only calls `client.on('error', …)`);
// - the body is one `try` whose handler catches everything and neither rethrows nor calls anything
//   that may throw (`async function showRows(client) { try { … } catch (e) { console.log(e) } }`).
// No `throw`/`raise`, `await`, `yield` or `with` may sit outside such a `try`. Nested functions do not
// run as part of the body and are not looked at. The names travel in poolNames with QUIET in front.
import { isNonThrowingText } from '../catalogue';
import { QUIET } from '../drivers';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import { CATCH_ALL, classOf } from './python';

const NESTED = /^(function|function_expression|function_declaration|arrow_function|generator_function|generator_function_declaration|method_definition|class|class_declaration|function_definition|lambda|class_definition)$/;
const CALL = /^(call_expression|call|new_expression)$/;
const RAISES = /^(throw_statement|raise_statement|await_expression|await|yield_expression|yield|with_statement)$/;
/** Bodies longer than this are not read: the answer is nearly always "may throw", and reading costs. */
const MAX_BODY = 4000;

/**
 * Declarations at the top level and in its classes (the editor asks after every keystroke, and a
 * walk of the whole tree costs more than the rest of the update): functions, methods, and
 * `const f = (…) => …`. Functions nested in functions are not looked at.
 */
function declarations(root: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const visit = (node: SyntaxNode | null, inClass: boolean): void => {
    switch (node?.type) {
      case 'export_statement':
        visit(node.childForFieldName('declaration'), false);
        return;
      case 'decorated_definition':
        visit(node.childForFieldName('definition'), inClass);
        return;
      case 'function_declaration':
      case 'generator_function_declaration':
      case 'function_definition':
      case 'method_definition':
        found.push(node);
        return;
      case 'class_declaration':
      case 'class_definition':
      case 'abstract_class_declaration':
        for (const member of node.childForFieldName('body')?.namedChildren ?? []) visit(member, true);
        return;
      case 'lexical_declaration':
      case 'variable_declaration':
        if (!inClass) for (const declarator of node.namedChildren) if (declarator?.type === 'variable_declarator') found.push(declarator);
        return;
      default:
        return;
    }
  };
  for (const statement of root.namedChildren) visit(statement, false);
  return found;
}

/**
 * The QUIET-prefixed names of the functions in `root` that cannot throw: declarations, methods and
 * `const f = (…) => …`. Read off the whole tree, since the lowering skips what names no API.
 */
export function quietFunctionNames(root: SyntaxNode, family: LanguageFamily, memo?: QuietMemo): string[] {
  // Go's calls never throw in the model (catalogue.ts); Java's and C#'s are not read for this yet.
  if (family !== 'js' && family !== 'py') return [];
  const names = new Set<string>();
  const next = new Map<string, boolean>();
  for (const node of declarations(root)) {
    let fn: SyntaxNode | null = node;
    if (node.type === 'variable_declarator') {
      fn = node.childForFieldName('value');
      if (!fn || !/^(arrow_function|function_expression|function)$/.test(fn.type)) continue;
    }
    const name = node.childForFieldName('name');
    if (!name) continue;
    // The editor asks after every edit: a function whose text did not change keeps its answer.
    const text = memo ? fn.text : '';
    let quiet = memo?.known.get(text);
    if (quiet === undefined) quiet = isQuietFunction(fn, family);
    if (memo) next.set(text, quiet);
    // A method is called on `this`/`self` (QUIET.name); a function by its name or through an object
    // that gathers a module's functions (QUIET name).
    if (quiet) names.add(`${QUIET}${isMethod(node) ? '.' : ''}${name.text}`);
  }
  if (memo) memo.known = next;
  return [...names];
}

/** The answers of the last call, by function text (only this version's functions are kept). */
export interface QuietMemo {
  known: Map<string, boolean>;
}

function isMethod(node: SyntaxNode): boolean {
  return node.type === 'method_definition' || (node.type === 'function_definition' && classOf(node) !== undefined);
}

export function isQuietFunction(node: SyntaxNode, family: LanguageFamily): boolean {
  const body = node.childForFieldName('body');
  if (!body || body.endIndex - body.startIndex > MAX_BODY) return false;
  // An arrow function's expression body is one expression.
  if (body.type !== 'statement_block' && body.type !== 'block') return quiet(body, family);
  const statements = body.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment');
  return statements.every((s) => (s.type === 'try_statement' ? quietTry(s, family) : quiet(s, family)));
}

/** A `try` that catches everything: only its handlers and `finally` (and Python's `else`) can throw out. */
function quietTry(node: SyntaxNode, family: LanguageFamily): boolean {
  const parts = node.namedChildren.filter((n): n is SyntaxNode => n !== null);
  if (family === 'js') {
    const handler = node.childForFieldName('handler');
    const finalizer = node.childForFieldName('finalizer');
    if (!handler) return quiet(node, family);
    return quiet(handler, family) && (!finalizer || quiet(finalizer, family));
  }
  const handlers = parts.filter((p) => p.type === 'except_clause' || p.type === 'except_group_clause');
  const catchesAll = handlers.some((h) => {
    const type = h.namedChildren.find((c): c is SyntaxNode => c !== null && c.type !== 'block' && c.type !== 'comment');
    return type === undefined || CATCH_ALL.test(type.type === 'as_pattern' ? (type.namedChild(0)?.text ?? '') : type.text);
  });
  if (!catchesAll) return quiet(node, family);
  return parts.filter((p) => p.type !== 'block').every((p) => quiet(p, family));
}

/** No call that may throw, no throw, await, yield or `with` in `node` outside nested functions. */
function quiet(node: SyntaxNode, family: LanguageFamily): boolean {
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop() as SyntaxNode;
    if (current !== node && NESTED.test(current.type)) continue;
    if (RAISES.test(current.type)) return false;
    if (CALL.test(current.type)) {
      const callee = current.childForFieldName(current.type === 'new_expression' ? 'constructor' : 'function');
      if (!callee || !isNonThrowingText(family, callee.text)) return false;
    }
    for (const child of current.namedChildren) if (child) stack.push(child);
  }
  return true;
}
