// The lowering of each language family, for whoever lowers a file or one function of it (workspace.ts,
// incremental.ts). A language added to the analyser adds its row here.
import type { LanguageFamily } from '../languages';
import type { FileModel, FunctionModel } from '../model';
import type { SyntaxNode } from '../treeSitter';
import type { LoweringContext } from './builder';
import type { FunctionFocus } from './focus';
import { JAVA_POOL_CONSTRUCTORS } from '../apis/java';
import { CS_POOL_CONSTRUCTORS, lowerCSharp, lowerCSharpFunction } from './csharp';
import { GO_POOL_CONSTRUCTORS, lowerGo, lowerGoFunction } from './go';
import { lowerJava, lowerJavaFunction } from './java';
import { lowerJavaScript, lowerJavaScriptFunction, POOL_CONSTRUCTOR_NAMES } from './javascript';
import { POOL_FACTORY_NAMES } from './pyExpressions';
import { lowerPython, lowerPythonFunction } from './python';

export interface Lowering {
  /** The file's model; with `focus`, functions that cannot matter are left unlowered; `ctx` is the incremental analyser's. */
  file(root: SyntaxNode, focus?: FunctionFocus, ctx?: LoweringContext): FileModel;
  /** One top-level function on its own (the incremental analyser lowers again only the one an edit was in). */
  function(node: SyntaxNode, ctx: LoweringContext): FunctionModel;
  /** Calls whose result the file binds as a pool name: a function naming one is worth lowering (focus.ts). */
  poolConstructors: readonly string[];
}

export const LOWERINGS: Record<LanguageFamily, Lowering> = {
  js: { file: lowerJavaScript, function: lowerJavaScriptFunction, poolConstructors: POOL_CONSTRUCTOR_NAMES },
  py: { file: lowerPython, function: lowerPythonFunction, poolConstructors: POOL_FACTORY_NAMES },
  go: { file: lowerGo, function: lowerGoFunction, poolConstructors: GO_POOL_CONSTRUCTORS },
  java: { file: lowerJava, function: lowerJavaFunction, poolConstructors: JAVA_POOL_CONSTRUCTORS },
  cs: { file: lowerCSharp, function: lowerCSharpFunction, poolConstructors: CS_POOL_CONSTRUCTORS },
};
