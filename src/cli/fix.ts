// `pg-health fix [PATH...]`: applies the analyser's fixes in place. The fixes are issue 4's work.
export async function runFix(_argv: string[]): Promise<number> {
  process.stderr.write('pg-health fix: not implemented yet\n');
  return 2;
}
