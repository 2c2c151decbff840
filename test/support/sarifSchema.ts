// SARIF 2.1.0 as code scanning reads it: the OASIS schema (2.1.0-rtm.5, the one json.schemastore.org
// serves as sarif-2.1.0.json) shipped in Microsoft's @microsoft/jest-sarif, checked with Ajv's draft-04
// validator and its string formats (uri, uri-reference, date-time).
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (validate) return validate;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as Record<string, unknown>;
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's language pattern is not valid with the u flag;
  addFormats(ajv);
  validate = ajv.compile(schema);
  return validate;
}

/** The schema's complaints about `log`, one per line ('' when it is valid SARIF 2.1.0). */
export function sarifSchemaErrors(log: unknown): string {
  const check = validator();
  if (check(log)) return '';
  return (check.errors ?? [])
    .map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}
