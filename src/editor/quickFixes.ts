// Quick fixes for pg-health diagnostics ("Wrap in try/finally", …) and the `source.fixAll.pgHealth`
// action that codeActionsOnSave runs. Fixes are always computed from the document's current text.
import * as vscode from 'vscode';
import type { AnalyzerOptions, Finding, Fix, LanguageId, RuleId } from '../analysis/analyzer';
import { loadAnalyzer } from './analyzerModule';
import { analysedLanguage } from './analysisScope';
import { ANALYSED_LANGUAGE_IDS } from '../analysis/languages';
import { readAnalysisSettings } from './analysisSettings';
import type { FeatureLog } from './featureLog';
import { DIAGNOSTIC_SOURCE, toRange } from './findingDiagnostic';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('pgHealth');

export const QUICK_FIX_SELECTOR: vscode.DocumentSelector = ANALYSED_LANGUAGE_IDS.map((language) => ({ language }));

interface VersionedFindings {
  version: number;
  findings: Promise<Finding[]>;
}

export class PgHealthCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND],
  };

  /**
   * Findings of the document's current version. The stored diagnostics may lag the text by a debounce,
   * and a fix computed from findings of older text would edit the wrong places, so the quick fixes
   * analyse the exact text they edit (once per version).
   */
  private readonly current = new Map<string, VersionedFindings>();

  constructor(
    private readonly log: FeatureLog,
    /** What other files teach this one (the last workspace scan's summaries), as the diagnostics had it. */
    private readonly summariesFor: (uri: vscode.Uri) => AnalyzerOptions['summaries'] = () => undefined,
    /** The rule's documentation page (shown rendered by "Show documentation for …"). */
    private readonly docsFor?: (rule: RuleId) => vscode.Uri,
  ) {}

  /** The settings' catalogue and the summaries the diagnostics were computed with, so that every finding shown can be matched and fixed. */
  private optionsFor(document: vscode.TextDocument): AnalyzerOptions {
    const options = readAnalysisSettings(document.uri).options;
    const summaries = this.summariesFor(document.uri);
    return summaries ? { ...options, summaries } : options;
  }

  async provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.CodeAction[]> {
    try {
      const language = analysedLanguage(document);
      if (!language || !readAnalysisSettings(document.uri).enable) return [];
      const actions: vscode.CodeAction[] = [];
      if (wants(context, vscode.CodeActionKind.QuickFix)) actions.push(...(await this.quickFixes(document, language, context)));
      // Fix-all re-analyses the file several times: only when asked for by kind (Source Action…,
      // codeActionsOnSave), never for the lightbulb, which asks on every cursor move.
      if (context.only?.intersects(FIX_ALL_KIND) && !token.isCancellationRequested) {
        const fixAll = await this.fixAll(document, language);
        if (fixAll) actions.push(fixAll);
      }
      return token.isCancellationRequested ? [] : actions;
    } catch (err) {
      this.log.error(`Computing pg-health fixes for ${document.uri.fsPath} failed`, err);
      return [];
    }
  }

  /** Settings or summaries changed: findings computed under the old catalogue no longer hold. */
  reset(): void {
    this.current.clear();
  }

  /** Drops what was computed for a closed document. */
  forget(document: vscode.TextDocument): void {
    this.current.delete(document.uri.toString());
  }

  private findingsOf(document: vscode.TextDocument, language: LanguageId): Promise<Finding[]> {
    const key = document.uri.toString();
    const cached = this.current.get(key);
    if (cached?.version === document.version) return cached.findings;
    const text = document.getText();
    const options = this.optionsFor(document);
    const findings = loadAnalyzer().then((analyzer) => analyzer.analyzeText(text, language, options));
    this.current.set(key, { version: document.version, findings });
    return findings;
  }

  private async quickFixes(document: vscode.TextDocument, language: LanguageId, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const diagnostics = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (diagnostics.length === 0) return [];
    const version = document.version;
    const text = document.getText();
    const findings = await this.findingsOf(document, language);
    const analyzer = await loadAnalyzer();
    const matched = diagnostics.flatMap((diagnostic) => {
      const finding = findingFor(diagnostic, findings);
      return finding?.fixable ? [{ diagnostic, finding }] : [];
    });
    const fixes =
      matched.length === 0
        ? []
        : await analyzer.fixesFor(
            text,
            language,
            matched.map((m) => m.finding),
            { tidy: true },
          );
    // The user typed while we computed: these edits belong to text that is gone.
    if (document.version !== version) return [];
    const actions = matched.flatMap(({ diagnostic }, i) => {
      const candidates = fixes[i] ?? [];
      // Without the analyser saying so, the first fix is the one it considers best.
      const anyPreferred = candidates.some((f) => f.isPreferred);
      return candidates.map((fix, j) => toCodeAction(document.uri, fix, diagnostic, anyPreferred ? fix.isPreferred : j === 0));
    });
    // Next to the single fix, as ESLint offers it: the edit is computed only when chosen (resolveCodeAction).
    if (findings.some((f) => f.fixable && !f.suppressed)) {
      const fixAll = new FixAllInFile(vscode.l10n.t('Fix all pg-health leaks in this file'), vscode.CodeActionKind.QuickFix, document, language);
      fixAll.diagnostics = matched.map((m) => m.diagnostic);
      actions.push(fixAll);
    }
    const seen = new Set<string>();
    for (const diagnostic of diagnostics) {
      const rule = ruleOf(diagnostic);
      if (!rule || seen.has(`${rule}:${diagnostic.range.start.line}`)) continue;
      seen.add(`${rule}:${diagnostic.range.start.line}`);
      actions.push(disableForLine(document, rule, analyzer.disableNextLineComment(language, rule as RuleId), diagnostic));
    }
    for (const rule of new Set(diagnostics.map(ruleOf))) {
      if (!rule || !this.docsFor) continue;
      const show = new vscode.CodeAction(vscode.l10n.t('Show documentation for {0}', rule), vscode.CodeActionKind.QuickFix);
      show.command = { command: 'markdown.showPreview', title: show.title, arguments: [this.docsFor(rule as RuleId)] };
      actions.push(show);
    }
    return actions;
  }

  /** Computes the edit of a "Fix all … in this file" chosen from the Ctrl+. menu. */
  async resolveCodeAction(action: vscode.CodeAction): Promise<vscode.CodeAction> {
    if (!(action instanceof FixAllInFile)) return action;
    try {
      const edit = await this.fixAllEdit(action.document, action.language);
      if (edit) action.edit = edit;
    } catch (err) {
      this.log.error(`Fixing all pg-health findings in ${action.document.uri.fsPath} failed`, err);
    }
    return action;
  }

  private async fixAllEdit(document: vscode.TextDocument, language: LanguageId): Promise<vscode.WorkspaceEdit | undefined> {
    const version = document.version;
    const text = document.getText();
    const fixed = await (await loadAnalyzer()).fixText(text, language, this.optionsFor(document));
    if (document.version !== version || fixed.text === text) return undefined;
    const edit = new vscode.WorkspaceEdit();
    const change = minimalChange(text, fixed.text);
    edit.replace(document.uri, new vscode.Range(document.positionAt(change.start), document.positionAt(change.end)), change.newText);
    return edit;
  }

  private async fixAll(document: vscode.TextDocument, language: LanguageId): Promise<vscode.CodeAction | undefined> {
    const findings = await this.findingsOf(document, language);
    if (!findings.some((f) => f.fixable && !f.suppressed)) return undefined;
    const edit = await this.fixAllEdit(document, language);
    if (!edit) return undefined;
    const action = new vscode.CodeAction(vscode.l10n.t('Fix all pg-health findings'), FIX_ALL_KIND);
    action.edit = edit;
    return action;
  }
}

/** "Fix all … in this file" from the Ctrl+. menu, its edit computed when chosen. */
class FixAllInFile extends vscode.CodeAction {
  constructor(
    title: string,
    kind: vscode.CodeActionKind,
    readonly document: vscode.TextDocument,
    readonly language: LanguageId,
  ) {
    super(title, kind);
  }
}

/** "Disable <rule> for this line": the suppression `comment` on its own line above, indented like it. */
function disableForLine(document: vscode.TextDocument, rule: string, comment: string, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const line = document.lineAt(diagnostic.range.start.line);
  const indent = line.text.slice(0, line.firstNonWhitespaceCharacterIndex);
  const action = new vscode.CodeAction(vscode.l10n.t('Disable {0} for this line', rule), vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, line.range.start, `${indent}${comment}\n`);
  action.edit = edit;
  return action;
}

function wants(context: vscode.CodeActionContext, kind: vscode.CodeActionKind): boolean {
  return !context.only || context.only.intersects(kind);
}

function ruleOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'object') return String(code.value);
  return code === undefined ? undefined : String(code);
}

/** The finding behind `diagnostic`: same rule and range, or (when the text moved under it) the same rule overlapping it. */
function findingFor(diagnostic: vscode.Diagnostic, findings: readonly Finding[]): Finding | undefined {
  const rule = ruleOf(diagnostic);
  const sameRule = findings.filter((f) => f.rule === rule);
  return (
    sameRule.find((f) => toRange(f.range).isEqual(diagnostic.range)) ??
    sameRule.find((f) => toRange(f.range).intersection(diagnostic.range) !== undefined)
  );
}

function toCodeAction(uri: vscode.Uri, fix: Fix, diagnostic: vscode.Diagnostic, isPreferred: boolean): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.isPreferred = isPreferred;
  const edit = new vscode.WorkspaceEdit();
  // The analyser's ranges are 0-based lines and UTF-16 columns, as vscode.Range's are.
  for (const e of fix.edits) edit.replace(uri, toRange(e.range), e.newText);
  action.edit = edit;
  // Run after the edit: completes the walkthrough's "apply a quick fix" step.
  action.command = { command: QUICK_FIX_APPLIED_COMMAND, title: fix.title };
  return action;
}

/** Marks that a pg-health quick fix was applied (the walkthrough's step completes on it). */
export const QUICK_FIX_APPLIED_COMMAND = 'pgHealth.quickFixApplied';

/** One replacement covering only what differs, so the cursor and folding outside it stay put. */
export function minimalChange(before: string, after: string): { start: number; end: number; newText: string } {
  let start = 0;
  const limit = Math.min(before.length, after.length);
  while (start < limit && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < limit - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, end: before.length - tail, newText: after.slice(start, after.length - tail) };
}
