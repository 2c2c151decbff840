// Where a workspace names the application_name its connections report (pg_stat_activity's
// application_name): pool options (`application_name: 'orders-api'`, `application_name="worker"`),
// connection strings (`…?application_name=orders-api`), libpq's PGAPPNAME in .env files. Read from the
// text with patterns: the names are literals, and a session's application_name is matched exactly.

export interface ApplicationNameSite {
  name: string;
  /** 0-based line and UTF-16 column of the name. */
  line: number;
  column: number;
}

const PATTERNS: RegExp[] = [
  // application_name: 'x' / "application_name": "x" / application_name='x' / application_name = "x"
  /\bapplication_?name["']?\s*[:=]\s*(?:f?["'`])([^"'`\n$&{]{1,64})["'`]/gi,
  // …?application_name=x& in a connection string
  /[?&]application_name=([^&"'`\s#]{1,64})/g,
  // PGAPPNAME=x (.env files, shell, Docker)
  /\bPGAPPNAME\s*[=:]\s*["']?([^"'\s#]{1,64})/g,
];

/** The application names `text` sets, where. */
export function applicationNameSites(text: string): ApplicationNameSite[] {
  if (!/application_?name|PGAPPNAME/i.test(text)) return [];
  const out: ApplicationNameSite[] = [];
  const seen = new Set<number>();
  for (const pattern of PATTERNS) {
    pattern.lastIndex = 0;
    for (const m of text.matchAll(pattern)) {
      const value = m[1];
      if (!value || m.index === undefined) continue;
      const at = m.index + m[0].lastIndexOf(value);
      if (seen.has(at)) continue;
      seen.add(at);
      const before = text.lastIndexOf('\n', at - 1);
      const line = countLines(text, at);
      out.push({ name: decodeURIComponentSafe(value.trim()), line, column: at - before - 1 });
    }
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function countLines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
