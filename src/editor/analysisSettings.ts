// The `pgHealth.analysis.*` settings, read once per use so that a change applies on the next run.
// They are resource-scoped: each workspace folder (in a multi-root workspace) may set its own, and a
// file is analysed, excluded and shown under the settings of the folder it belongs to.
import * as vscode from 'vscode';
import type { AnalyzerOptions, ExtraAcquire, ExtraRelease, Finding, RuleId } from '../analysis/analyzer';
import { RULES } from '../analysis/findings';

/** What `pgHealth.analysis.rules` may say of a rule. */
export type RuleLevel = 'off' | 'error' | 'warning' | 'information' | 'hint';
const LEVELS = new Set<string>(['off', 'error', 'warning', 'information', 'hint']);
const RULE_IDS = new Set<string>(RULES.map((r) => r.id));

export interface AnalysisSettings {
  enable: boolean;
  /** Globs relative to each workspace folder, from `pgHealth.analysis.exclude`. */
  exclude: string[];
  /** Extra catalogue entries for the analyser. */
  options: AnalyzerOptions;
  /** Per-rule severity or `off`, from `pgHealth.analysis.rules`; rules not named keep their own. */
  rules: Partial<Record<RuleId, RuleLevel>>;
}

const SECTION = 'pgHealth.analysis';

/** The settings that apply to `scope` (a file or folder); without one, the workspace's own. */
export type AnalysisSettingsSource = (scope?: vscode.Uri) => AnalysisSettings;

export function readAnalysisSettings(scope?: vscode.Uri): AnalysisSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope ?? null);
  return {
    enable: config.get<boolean>('enable', true) !== false,
    exclude: stringArray(config.get<unknown>('exclude')),
    options: {
      acquire: catalogueSetting(config, 'acquire').flatMap(toExtraAcquire),
      release: catalogueSetting(config, 'release').flatMap(toExtraRelease),
    },
    rules: ruleLevels(config.get<unknown>('rules')),
  };
}

function ruleLevels(value: unknown): Partial<Record<RuleId, RuleLevel>> {
  const out: Partial<Record<RuleId, RuleLevel>> = {};
  if (!isRecord(value)) return out;
  for (const [rule, level] of Object.entries(value)) {
    if (RULE_IDS.has(rule) && typeof level === 'string' && LEVELS.has(level)) out[rule as RuleId] = level as RuleLevel;
  }
  return out;
}

/** The findings the editor shows: not silenced by a comment, not of a rule turned off. */
export function shownFindings(findings: readonly Finding[], rules: Partial<Record<RuleId, RuleLevel>>): Finding[] {
  return findings.filter((f) => !f.suppressed && rules[f.rule] !== 'off');
}

/**
 * Whether analysis is on anywhere: in the workspace or in one of its folders (a folder may turn on
 * what the workspace turned off, and the other way round).
 */
export function analysisEnabledAnywhere(settings: AnalysisSettingsSource): boolean {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length === 0 ? settings().enable : folders.some((folder) => settings(folder.uri).enable);
}

/**
 * `settings` read once per workspace folder: a scan asks for every file's, and a file's are its
 * folder's (VS Code has no per-file analysis settings beyond language overrides, which these are not).
 */
export function perFolder(settings: AnalysisSettingsSource): AnalysisSettingsSource {
  const byFolder = new Map<string, AnalysisSettings>();
  return (scope) => {
    const folder = scope ? vscode.workspace.getWorkspaceFolder(scope)?.uri : undefined;
    const key = folder?.toString() ?? '';
    let found = byFolder.get(key);
    if (!found) {
      found = settings(folder);
      byFolder.set(key, found);
    }
    return found;
  };
}

/** `items` grouped by the analyser catalogue (acquire/release) of their folders: files of folders that name the same extra calls are analysed together. */
export function groupByCatalogue<T extends { uri: vscode.Uri }>(items: readonly T[], settings: AnalysisSettingsSource): { settings: AnalysisSettings; items: T[] }[] {
  const groups = new Map<string, { settings: AnalysisSettings; items: T[] }>();
  for (const item of items) {
    const itemSettings = settings(item.uri);
    const key = JSON.stringify(itemSettings.options);
    const group = groups.get(key);
    if (group) group.items.push(item);
    else groups.set(key, { settings: itemSettings, items: [item] });
  }
  return [...groups.values()];
}

export function affectsAnalysisSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}

/**
 * `acquire` and `release` are restrictedConfigurations: a repository someone just cloned must not be
 * able to redefine what counts as a release. Untrusted, only the user's own (global) value counts.
 */
function catalogueSetting(config: vscode.WorkspaceConfiguration, key: 'acquire' | 'release'): unknown[] {
  if (vscode.workspace.isTrusted) return arrayOf(config.get<unknown>(key));
  const inspected = config.inspect<unknown>(key);
  return arrayOf(inspected?.globalValue ?? inspected?.defaultValue);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringArray(value: unknown): string[] {
  return arrayOf(value).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// Settings are hand-edited JSON: entries of the wrong shape are dropped rather than trusted.
function toExtraAcquire(entry: unknown): ExtraAcquire[] {
  if (!isRecord(entry) || typeof entry['call'] !== 'string' || entry['call'] === '') return [];
  const extra: ExtraAcquire = { call: entry['call'] };
  if (typeof entry['language'] === 'string') extra.language = entry['language'];
  if (typeof entry['release'] === 'string' && entry['release'] !== '') extra.release = entry['release'];
  return [extra];
}

function toExtraRelease(entry: unknown): ExtraRelease[] {
  if (!isRecord(entry) || typeof entry['call'] !== 'string' || entry['call'] === '') return [];
  const extra: ExtraRelease = { call: entry['call'] };
  if (typeof entry['language'] === 'string') extra.language = entry['language'];
  if (typeof entry['argument'] === 'number' && Number.isInteger(entry['argument']) && entry['argument'] >= 0) extra.argument = entry['argument'];
  return [extra];
}
