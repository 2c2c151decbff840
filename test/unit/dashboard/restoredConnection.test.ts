import * as assert from 'node:assert/strict';
import { dashboardTitle, restoredConnection } from '../../../src/dashboard/protocol';

describe('dashboard: which connection a restored panel belongs to', () => {
  it("takes the webview's saved state first", () => {
    assert.equal(restoredConnection({ connection: 'orders' }, dashboardTitle('billing')), 'orders');
  });

  it('falls back to the title when the state was never saved', () => {
    assert.equal(restoredConnection(undefined, dashboardTitle('test-db')), 'test-db');
    assert.equal(restoredConnection(undefined, dashboardTitle('PostgreSQL Health: odd')), 'PostgreSQL Health: odd');
  });

  it('restores nothing from a title that is not a dashboard title', () => {
    assert.equal(restoredConnection(undefined, 'Something else'), undefined);
    assert.equal(restoredConnection({ other: 1 }, dashboardTitle('')), undefined);
  });
});
