// Functions of a Python script that run a fixed number of times per process. A module's own code runs
// once per process (FunctionModel.topLevel), and so does a function whose every mention in the file
// is a call from that code, outside any loop, or from another such function: `main()` under
// `if __name__ == "__main__":`, or a step of a one-shot script called once from its top level. A
// connection such a function keeps lasts as long as the program or ends with it; it does not pile up.
// Not counted: a function mentioned any other way (passed as a thread target or callback,
// decorated, stored, exported in `__all__`), called in a loop or comprehension, or from a method or a
// nested function. Another module that imports the function and calls it in a loop is not seen: the
// evaluation found none, and such a module is itself a script's library, not a script.
// The names travel in poolNames with RUN_ONCE in front.
import type { SyntaxNode } from '../treeSitter';

export const RUN_ONCE = '^';

const LOOP = /^(for_statement|while_statement|list_comprehension|set_comprehension|dictionary_comprehension|generator_expression|lambda)$/;
/** Scripts show themselves by a call at column 0 or a `__main__` guard; other modules are not walked. */
const SCRIPT = /^[A-Za-z_][\w.]*\(|__main__/m;

export function runOnceFunctionNames(root: SyntaxNode, text: string): string[] {
  if (!SCRIPT.test(text)) return [];
  const defined = new Map<string, SyntaxNode>();
  for (const statement of root.namedChildren) {
    if (statement?.type !== 'function_definition') continue;
    const name = statement.childForFieldName('name')?.text;
    if (name) defined.set(name, statement);
  }
  if (defined.size === 0) return [];
  // Who calls each function: `null` for the module's own code; a name for a top-level function. Only
  // the places the text names one are looked at (a walk of every node costs more than the analysis).
  const callers = new Map<string, Set<string | null>>();
  const disqualified = new Set<string>();
  const pattern = new RegExp(`\\b(?:${[...defined.keys()].join('|')})\\b`, 'g');
  for (const match of text.matchAll(pattern)) {
    const node = root.descendantForIndex(match.index ?? 0);
    // In a string or a comment, or part of a longer name: not a mention.
    if (!node || node.type !== 'identifier' || node.text !== match[0]) continue;
    const name = match[0];
    const parent = node.parent;
    if (parent && parent.type === 'function_definition' && parent.childForFieldName('name')?.id === node.id) {
      // Its own definition: only a top-level one is the function we track.
      if (parent.parent?.type !== 'module') disqualified.add(name);
      continue;
    }
    const caller = parent?.type === 'call' && parent.childForFieldName('function')?.id === node.id ? callerOf(parent) : undefined;
    if (caller === undefined) disqualified.add(name);
    else (callers.get(name) ?? callers.set(name, new Set()).get(name))?.add(caller);
  }
  const once = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, from] of callers) {
      if (once.has(name) || disqualified.has(name)) continue;
      if ([...from].every((caller) => caller === null || once.has(caller))) {
        once.add(name);
        changed = true;
      }
    }
  }
  return [...once].map((name) => `${RUN_ONCE}${name}`);
}

/**
 * The function whose own code makes `call` (a top-level function's name), `null` for the module's
 * code, or undefined where it may run any number of times: in a loop, a comprehension, a lambda, a
 * method, a nested function.
 */
function callerOf(call: SyntaxNode): string | null | undefined {
  for (let node = call.parent; node; node = node.parent) {
    if (LOOP.test(node.type)) return undefined;
    if (node.type === 'class_definition' || node.type === 'decorated_definition') return undefined;
    if (node.type === 'function_definition') {
      if (node.parent?.type !== 'module') return undefined;
      return node.childForFieldName('name')?.text;
    }
    if (node.type === 'module') return null;
  }
  return undefined;
}
