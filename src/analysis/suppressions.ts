// In-source suppressions, as every linter has them:
//   JavaScript/TypeScript, Go, Java, C#
//                          // pg-health-disable-next-line [rule, …]   (the next line)
//                          // pg-health-disable-line [rule, …]        (its own line; also in /* */)
//   Python                 # pg-health: disable=rule[,rule]           (trailing: its own line;
//                                                                      alone on a line: the next line)
// Without rules, every rule is silenced on that line. Anything after ` -- ` is the reason and is
// ignored. A finding counts as suppressed when its first line carries a directive for its rule; it is
// still returned (SARIF reports it as suppressed), marked `suppressed`.
import type { Finding, RuleId } from './findings';
import { RULES } from './findings';
import { familyOf, slashComments, type LanguageFamily, type LanguageId } from './languages';

const KNOWN = new Set<string>(RULES.map((r) => r.id));

/** 0-based line -> the rules silenced there ('all' for every rule). */
export type Suppressions = Map<number, Set<RuleId> | 'all'>;

const JS_DIRECTIVE = /(?:\/\/|\/\*)\s*pg-health-disable-(next-line|line)\b([^\n*]*)/;
const PY_DIRECTIVE = /#\s*pg-health:\s*disable(?:=([\w\-, ]*))?/;

function rulesOf(list: string | undefined): Set<RuleId> | 'all' {
  const names = (list ?? '')
    .split(' -- ')[0]
    ?.split(/[\s,]+/)
    .filter((n) => n !== '');
  if (!names || names.length === 0) return 'all';
  return new Set(names.filter((n): n is RuleId => KNOWN.has(n)));
}

function add(map: Suppressions, line: number, rules: Set<RuleId> | 'all'): void {
  const existing = map.get(line);
  if (existing === 'all' || rules === 'all') map.set(line, 'all');
  else map.set(line, new Set([...(existing ?? []), ...rules]));
}

/** The directives in a file's text (cheap: texts that never mention pg-health are not split). */
export function suppressionsIn(text: string, family: LanguageFamily): Suppressions {
  const map: Suppressions = new Map();
  if (!text.includes('pg-health')) return map;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (!line.includes('pg-health')) return;
    if (slashComments(family)) {
      const match = JS_DIRECTIVE.exec(line);
      if (match) add(map, match[1] === 'next-line' ? index + 1 : index, rulesOf(match[2]));
    } else {
      const match = PY_DIRECTIVE.exec(line);
      if (!match) return;
      const alone = line.slice(0, match.index).trim() === '';
      add(map, alone ? index + 1 : index, rulesOf(match[1]));
    }
  });
  return map;
}

/** The findings with `suppressed: true` on those a directive silences. */
export function markSuppressed(findings: Finding[], suppressions: Suppressions): Finding[] {
  if (suppressions.size === 0) return findings;
  return findings.map((finding) => {
    const rules = suppressions.get(finding.range.startLine);
    const silenced = rules === 'all' || (rules !== undefined && rules.has(finding.rule));
    return silenced ? { ...finding, suppressed: true } : finding;
  });
}

/** The comment that silences `rule` on the line after it, for the "Disable … for this line" fix. */
export function disableNextLineComment(language: LanguageId, rule: RuleId): string {
  return slashComments(familyOf(language)) ? `// pg-health-disable-next-line ${rule}` : `# pg-health: disable=${rule}`;
}
