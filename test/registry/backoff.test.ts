import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryAfterMs } from '../../src/registry/backoff.js';

describe('backoffDelay', () => {
  it('doubles from 250 ms, capped at 10 s, with half of each delay random', () => {
    const low = [1, 2, 3, 4, 10].map((n) => backoffDelay(n, () => 0));
    const high = [1, 2, 3, 4, 10].map((n) => backoffDelay(n, () => 1));
    assert.deepEqual(low, [125, 250, 500, 1000, 5000]);
    assert.deepEqual(high, [250, 500, 1000, 2000, 10_000]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(retryAfterMs(null, now), undefined);
    assert.equal(retryAfterMs('soon', now), undefined);
  });
});
