import * as assert from 'node:assert/strict';
import { isDashboardWebviewState, MAX_COPY_LENGTH, parseWebviewMessage } from '../../../src/dashboard/protocol';

describe('dashboard protocol', () => {
  it('accepts the messages the webview sends', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'terminate', pid: 42, backendStart: '2025-01-01T00:00:00Z' }), {
      type: 'terminate',
      pid: 42,
      backendStart: '2025-01-01T00:00:00Z',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'terminate', pid: 42, backendStart: null }), { type: 'terminate', pid: 42, backendStart: null });
    assert.deepEqual(parseWebviewMessage({ type: 'goToCode', pid: 42, backendStart: null }), { type: 'goToCode', pid: 42, backendStart: null });
    assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
    assert.deepEqual(parseWebviewMessage({ type: 'copy', text: 'x' }), { type: 'copy', text: 'x' });
    assert.deepEqual(parseWebviewMessage({ type: 'openProblems', extra: 1 }), { type: 'openProblems' });
  });

  it('rejects malformed messages', () => {
    assert.equal(parseWebviewMessage(null), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
    assert.equal(parseWebviewMessage({ type: 'terminate', pid: '42', backendStart: null }), undefined);
    assert.equal(parseWebviewMessage({ type: 'terminate', pid: 0, backendStart: null }), undefined);
    assert.equal(parseWebviewMessage({ type: 'goToCode', pid: -1, backendStart: null }), undefined);
    assert.equal(parseWebviewMessage({ type: 'terminate', pid: 1.5, backendStart: null }), undefined);
    assert.equal(parseWebviewMessage({ type: 'terminate', pid: 42 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'export', format: 'xlsx' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'copy', text: 'x'.repeat(MAX_COPY_LENGTH + 1) }), undefined);
    assert.equal(parseWebviewMessage({ type: 'runSql', sql: 'DROP TABLE x' }), undefined);
  });

  it('recognises the saved webview state', () => {
    assert.ok(isDashboardWebviewState({ connection: 'prod' }));
    assert.ok(!isDashboardWebviewState({ connection: 3 }));
    assert.ok(!isDashboardWebviewState(undefined));
  });
});
