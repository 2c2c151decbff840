// Root hooks of the reliability suite: any unhandled rejection or uncaught exception anywhere in the
// process fails the test that was running when it happened, and the figures are printed at the end.
import * as assert from 'node:assert/strict';
import { capture, writeReport } from './evidence';

const unhandled: string[] = [];

function onRejection(reason: unknown): void {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  unhandled.push(text);
  capture('unhandledRejection', text);
}

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onRejection);
  },
  afterEach(): void {
    const seen = unhandled.splice(0);
    assert.deepEqual(seen, [], 'unhandled promise rejections during this test');
  },
  afterAll(): void {
    process.removeListener('unhandledRejection', onRejection);
    writeReport();
  },
};
