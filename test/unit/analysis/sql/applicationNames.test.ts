import * as assert from 'node:assert/strict';
import { applicationNameSites } from '../../../../src/analysis/sql/applicationNames';

describe('where the workspace names its application_name', () => {
  it('reads pool options, connection strings, keyword arguments and PGAPPNAME', () => {
    const text = [
      "const pool = new Pool({ max: 5, application_name: 'orders-api' });", // node-postgres
      'const url = "postgresql://app@127.0.0.1/shop?sslmode=disable&application_name=invoice%20job";',
      'conn = psycopg2.connect(dsn, application_name="report-worker")',
      'PGAPPNAME=billing # .env',
      '{ "application_name": "from-json" }',
      "const appName = 'not-postgres';",
    ].join('\n');
    assert.deepEqual(
      applicationNameSites(text).map((s) => `${s.line}:${s.column} ${s.name}`),
      ['0:51 orders-api', '1:78 invoice job', '2:47 report-worker', '3:10 billing', '4:23 from-json'],
    );
  });

  it('costs nothing on a file that names none', () => {
    assert.deepEqual(applicationNameSites('const x = 1;\n'), []);
  });
});
