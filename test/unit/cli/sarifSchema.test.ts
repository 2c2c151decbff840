// The schema check the CLI tests rely on is a real one: it takes what pg-health writes and turns away
// what code scanning would refuse.
import * as assert from 'node:assert/strict';
import { sarifSchemaErrors } from '../../support/sarifSchema';

describe('the SARIF 2.1.0 schema check', () => {
  it('refuses a log code scanning would not take: an unknown level, a result without a message, a line 0', () => {
    const log = {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'pg-health' } },
          results: [
            { ruleId: 'a', level: 'critical', message: { text: 'x' } },
            { ruleId: 'b' },
            { ruleId: 'c', message: { text: 'y' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: 0 } } }] },
          ],
        },
      ],
    };
    const errors = sarifSchemaErrors(log);
    assert.match(errors, /\/runs\/0\/results\/0\/level must be equal to one of the allowed values/);
    assert.match(errors, /\/runs\/0\/results\/1 must have required property 'message'/);
    assert.match(errors, /\/runs\/0\/results\/2\/locations\/0\/physicalLocation\/region\/startLine must be >= 1/);
    assert.equal(sarifSchemaErrors({ version: '2.1.0', runs: [] }), '', 'and takes the smallest valid log');
  });
});
