// The SQL a file sends, read from the syntax tree the analyser already has: every string, template
// or concatenation that reads as a statement, with the call that sends it when there is one (the
// literal as the call's argument, `{ text: … }` of node-postgres, a tagged template of postgres.js,
// or a variable of the same function passed to a call). Where the program fills text in, the site
// holds WILDCARD; where a tagged template or a driver passes a value, PARAM.
import type { SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import { rangeOf } from '../lowering/builder';
import type { SyntaxNode } from '../treeSitter';
import { looksLikeSql, normalizeSql, WILDCARD } from './normalize';

export interface SqlSite {
  /** The statement as written, with `…` where the program fills text in (at most 400 characters). */
  text: string;
  /** normalizeSql(text).key. */
  key: string;
  tokens: string[];
  /** Where to open: the call that sends the statement, or the literal when no call is found. */
  range: SourceRange;
  /** The callee of that call (`client.query`, `cur.execute`), when there is one. */
  api?: string;
  /** The enclosing function, for messages and for linking to that function's findings. */
  functionName?: string;
  functionRange?: SourceRange;
}

const STRINGS: Record<LanguageFamily, string[]> = {
  js: ['string', 'template_string'],
  py: ['string', 'concatenated_string'],
  go: ['interpreted_string_literal', 'raw_string_literal'],
  java: ['string_literal', 'text_block'],
  cs: ['string_literal', 'verbatim_string_literal', 'raw_string_literal', 'interpolated_string_expression'],
};

const FUNCTIONS = new Set([
  'function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition',
  'generator_function_declaration', 'generator_function', 'function_definition',
  // Go, Java, C#
  'method_declaration', 'func_literal', 'constructor_declaration', 'lambda_expression', 'local_function_statement',
]);

const MAX_TEXT = 400;

const CLAUSES = new Set(['from', 'into', 'set', 'values', 'where', 'join', 'returning', 'table', 'by']);

/** The SQL sites of a parsed file. */
export function sqlSitesOf(root: SyntaxNode, family: LanguageFamily): SqlSite[] {
  const sites: SqlSite[] = [];
  const seen = new Set<number>();
  for (const node of root.descendantsOfType(STRINGS[family])) {
    if (!node) continue;
    // Inside a concatenation or a template substitution: the outermost expression is the statement.
    const top = expressionRoot(node, family);
    if (seen.has(top.id)) continue;
    seen.add(top.id);
    const tagged = family === 'js' && top.type === 'template_string' && top.parent?.type === 'call_expression';
    const text = textOf(top, family, tagged);
    if (text === undefined) continue;
    const normalized = normalizeSql(text);
    if (normalized.tokens.length < 2 || !looksLikeSql(normalized.tokens)) continue;
    const fn = enclosingFunction(top);
    const call = sendingCall(top, family, fn ?? root);
    // Text no call sends reads as SQL only with a clause ('Select a database' is a label).
    if (!call && !normalized.tokens.some((t) => CLAUSES.has(t))) continue;
    sites.push({
      text: text.replace(/\s+/g, ' ').trim().replaceAll(WILDCARD, '…').slice(0, MAX_TEXT),
      key: normalized.key,
      tokens: normalized.tokens,
      range: rangeOf(call ?? top),
      ...(call ? { api: calleeText(call, family) } : {}),
      ...(fn ? functionInfo(fn) : {}),
    });
  }
  return sites;
}

function expressionRoot(node: SyntaxNode, family: LanguageFamily): SyntaxNode {
  let current = node;
  for (;;) {
    const parent = current.parent;
    if (!parent) return current;
    if (parent.type === 'parenthesized_expression') current = parent;
    else if (family !== 'py' && parent.type === 'binary_expression' && operatorOf(parent) === '+') current = parent;
    else if (family === 'py' && parent.type === 'concatenated_string') current = parent;
    else if (family === 'py' && parent.type === 'binary_operator' && operatorOf(parent) === '+') current = parent;
    else return current;
  }
}

function operatorOf(node: SyntaxNode): string | undefined {
  return node.childForFieldName('operator')?.type;
}

/** The text of a string expression, WILDCARD for what the program fills in; undefined when it holds no literal text. */
function textOf(node: SyntaxNode, family: LanguageFamily, tagged: boolean): string | undefined {
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c !== null && c.type !== 'comment');
      return inner ? (textOf(inner, family, tagged) ?? WILDCARD) : undefined;
    }
    case 'binary_expression':
    case 'binary_operator':
    case 'concatenated_string': {
      const parts = node.type === 'concatenated_string' ? node.namedChildren : [node.childForFieldName('left'), node.childForFieldName('right')];
      return parts.map((p) => (p ? (textOf(p, family, false) ?? WILDCARD) : WILDCARD)).join(node.type === 'concatenated_string' ? '' : ' ');
    }
    case 'string':
      return family === 'js' ? unescapeJs(node.text.slice(1, -1)) : pythonStringText(node);
    // Go: "…" with escapes, `…` raw; Java: "…" and """…""" text blocks; C#: "…", @"…" verbatim, """…""" raw.
    case 'interpreted_string_literal':
      return unescapeJs(node.text.slice(1, -1));
    case 'raw_string_literal': {
      const quotes = /^("+|`)/.exec(node.text)?.[1] ?? '`';
      return node.text.slice(quotes.length, node.text.length - quotes.length);
    }
    case 'string_literal':
    case 'text_block':
      return node.text.startsWith('"""') ? node.text.slice(3, -3) : unescapeJs(node.text.slice(1, -1));
    case 'verbatim_string_literal':
      return node.text.slice(2, -1).replaceAll('""', '"');
    case 'interpolated_string_expression': {
      let out = '';
      for (const child of node.namedChildren) {
        if (!child) continue;
        if (child.type === 'interpolation') out += WILDCARD;
        else if (child.type === 'string_content' || child.type === 'string_literal_content') out += child.text;
        else if (child.type === 'escape_sequence') out += unescapeJs(child.text);
      }
      return out;
    }
    case 'template_string': {
      let out = '';
      for (const child of node.children) {
        if (!child || child.type === '`') continue;
        // postgres.js sends a tagged template's values as parameters; a plain template splices text in.
        if (child.type === 'template_substitution') out += tagged ? ' $1 ' : WILDCARD;
        else out += child.type === 'escape_sequence' ? unescapeJs(child.text) : child.text;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function unescapeJs(text: string): string {
  return text.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/gs, (_, e: string) => {
    if (e === 'n') return '\n';
    if (e === 't') return '\t';
    if (e === 'r') return '\r';
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.startsWith('u') || e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e;
  });
}

function pythonStringText(node: SyntaxNode): string {
  let out = '';
  for (const child of node.children) {
    if (!child) continue;
    if (child.type === 'string_content') out += child.text;
    else if (child.type === 'escape_sequence') out += unescapeJs(child.text);
    else if (child.type === 'interpolation') out += WILDCARD;
  }
  return out;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (FUNCTIONS.has(p.type)) return p;
  return undefined;
}

function functionInfo(fn: SyntaxNode): Pick<SqlSite, 'functionName' | 'functionRange'> {
  let name = fn.childForFieldName('name')?.text;
  // const handler = async () => { … } / exports.run = function () { … }
  if (!name && fn.parent?.type === 'variable_declarator') name = fn.parent.childForFieldName('name')?.text;
  if (!name && fn.parent?.type === 'assignment_expression') name = fn.parent.childForFieldName('left')?.text;
  if (!name && fn.parent?.type === 'pair') name = fn.parent.childForFieldName('key')?.text;
  return { ...(name ? { functionName: name } : {}), functionRange: rangeOf(fn) };
}

const CALLS: Record<LanguageFamily, { call: string; args: string }> = {
  js: { call: 'call_expression', args: 'arguments' },
  py: { call: 'call', args: 'argument_list' },
  go: { call: 'call_expression', args: 'argument_list' },
  java: { call: 'method_invocation', args: 'argument_list' },
  cs: { call: 'invocation_expression', args: 'argument_list' },
};

/** The call that sends the statement: it takes the expression (or the variable holding it) as an argument. */
function sendingCall(expression: SyntaxNode, family: LanguageFamily, scope: SyntaxNode): SyntaxNode | undefined {
  const { call, args } = CALLS[family];
  let value = expression;
  // node-postgres' query config: client.query({ text: '…', values })
  if (family === 'js' && value.parent?.type === 'pair' && value.parent.childForFieldName('key')?.text === 'text' && value.parent.parent?.type === 'object') {
    value = value.parent.parent;
  }
  // C# wraps each argument in `argument`.
  const parent = family === 'cs' && value.parent?.type === 'argument' ? value.parent.parent : value.parent;
  if (parent?.type === call && family === 'js' && value.type === 'template_string') return parent; // tagged template
  if (parent?.type === args && parent.parent?.type === call) return parent.parent;
  // C#: `new NpgsqlCommand("…", conn)` sends it when the command runs.
  if (family === 'cs' && parent?.type === args && parent.parent?.type === 'object_creation_expression') return parent.parent;
  if (family === 'py' && parent?.type === 'keyword_argument' && parent.parent?.type === args && parent.parent.parent?.type === call) return parent.parent.parent;
  // const sql = '…'; … client.query(sql)  /  sql = "…"; cur.execute(sql)
  const name = assignedName(value, family);
  if (!name) return undefined;
  for (const candidate of scope.descendantsOfType(family === 'cs' ? [call, 'object_creation_expression'] : [call])) {
    if (!candidate || candidate.startIndex < value.endIndex) continue;
    const list = candidate.childForFieldName('arguments');
    const given = (list?.namedChildren ?? []).filter((c): c is SyntaxNode => c !== null && c.type !== 'comment').map((c) => (c.type === 'argument' ? (c.namedChild(0) ?? c) : c));
    // Go, Java and C# APIs often take a context or a connection first (`db.QueryContext(ctx, q)`): any argument counts there.
    const considered = family === 'js' || family === 'py' ? given.slice(0, 1) : given;
    if (considered.some((a) => passes(a, name, family)) && enclosingFunction(candidate)?.id === enclosingFunction(value)?.id) return candidate;
  }
  return undefined;
}

/** Whether a call's first argument is the variable `name`, or node-postgres' config naming it: `{ text: name }`, `{ text }`. */
function passes(argument: SyntaxNode, name: string, family: LanguageFamily): boolean {
  if (argument.type === 'identifier') return argument.text === name;
  if (family !== 'js' || argument.type !== 'object') return false;
  return argument.namedChildren.some(
    (p) =>
      (p?.type === 'shorthand_property_identifier' && p.text === 'text' && name === 'text') ||
      (p?.type === 'pair' && p.childForFieldName('key')?.text === 'text' && p.childForFieldName('value')?.type === 'identifier' && p.childForFieldName('value')?.text === name),
  );
}

function assignedName(value: SyntaxNode, family: LanguageFamily): string | undefined {
  const parent = value.parent;
  if (!parent) return undefined;
  if ((family === 'js' || family === 'java') && parent.type === 'variable_declarator' && parent.childForFieldName('value')?.id === value.id) {
    const name = parent.childForFieldName('name');
    return name?.type === 'identifier' ? name.text : undefined;
  }
  // C#: `var sql = "…";` (the value is the declarator's last child).
  if (family === 'cs' && parent.type === 'variable_declarator' && parent.lastNamedChild?.id === value.id) return parent.childForFieldName('name')?.text;
  // Go: `q := "…"`, `var q = "…"`, `const q = "…"`: the name at the value's place.
  if (family === 'go' && parent.type === 'expression_list') {
    const owner = parent.parent;
    const index = parent.namedChildren.findIndex((c) => c?.id === value.id);
    const left = owner?.type === 'short_var_declaration' || owner?.type === 'assignment_statement' ? owner.childForFieldName('left') : undefined;
    const names = left ? left.namedChildren : owner && /^(var|const)_spec$/.test(owner.type) ? owner.namedChildren.filter((c) => c?.type === 'identifier') : [];
    const name = names[index];
    return name?.type === 'identifier' ? name.text : undefined;
  }
  if ((parent.type === 'assignment' || parent.type === 'assignment_expression') && parent.childForFieldName('right')?.id === value.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : undefined;
  }
  return undefined;
}

function calleeText(call: SyntaxNode, family: LanguageFamily): string | undefined {
  if (call.type === 'object_creation_expression') return `new ${call.childForFieldName('type')?.text ?? ''}`.slice(0, 80);
  if (call.type === 'method_invocation') {
    // Java: object.name(…)
    const object = call.childForFieldName('object');
    const name = call.childForFieldName('name')?.text ?? '';
    return (object ? `${object.text}.${name}` : name).replace(/\s+/g, '').slice(0, 80);
  }
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const text = fn.text.replace(/\s+/g, '');
  return family === 'js' || text.length <= 80 ? text.slice(0, 80) : undefined;
}
