import * as assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/postgres/backoff';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = { initialMs: 500, maxMs: 30_000, random: () => 0.999999 };
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => backoffDelay(attempt, top));
    assert.deepEqual(ceilings, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
    assert.equal(backoffDelay(5, { ...top, random: () => 0 }), 0);
    assert.equal(backoffDelay(3, { ...top, random: () => 0.5 }), 1000);
  });
});
