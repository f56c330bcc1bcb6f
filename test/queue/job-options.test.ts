import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { createRetryPolicy, DEFAULT_RETRY, retrySettings } from '../../src/queue/job-options.js';
import { SECONDARY_RATE_LIMIT } from '../../src/scm/http-errors.js';

const T0 = 1_700_000_000_000;
const unavailable = new TransientError(
  'scm_unavailable',
  'github: read ref refs/heads/main of acme/app: HTTP 503 (Server Error); will retry',
);

describe('retry policy: capped, jittered exponential backoff until the horizon', () => {
  it('reads the config block; defaults are 24 h, 1 s and 10 min', () => {
    assert.deepEqual(retrySettings(undefined), DEFAULT_RETRY);
    assert.deepEqual(DEFAULT_RETRY, { horizonMs: 86_400_000, firstDelayMs: 1000, maxDelayMs: 600_000 });
    assert.deepEqual(retrySettings({ horizon: '20s', firstDelay: '100ms', maxDelay: '1s' }), {
      horizonMs: 20_000,
      firstDelayMs: 100,
      maxDelayMs: 1000,
    });
  });

  it('doubles from firstDelay, each wait between half the step and the step, capped at maxDelay', () => {
    const p = createRetryPolicy(DEFAULT_RETRY, () => T0);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const step = Math.min(600_000, 1000 * 2 ** (attempt - 1));
      for (const id of ['a', 'b', 'c']) {
        const d = p.delay({ id }, attempt, unavailable);
        assert.ok(d >= step / 2 && d <= step, `attempt ${attempt}: ${d} ms within [${step / 2}, ${step}]`);
      }
    }
    // The same job and attempt always get the same wait (the processor and BullMQ agree) ...
    assert.equal(p.delay({ id: 'a' }, 5), p.delay({ id: 'a' }, 5));
    // ... and jobs held by one outage are spread out.
    const spread = new Set(Array.from({ length: 20 }, (_, i) => p.delay({ id: `job-${i}` }, 8)));
    assert.ok(spread.size >= 15, `20 jobs got ${spread.size} distinct waits`);
  });

  it('honours Retry-After, and waits at least a minute (or maxDelay) after a secondary rate limit', () => {
    const p = createRetryPolicy(DEFAULT_RETRY, () => T0);
    assert.ok(p.delay({ id: 'a' }, 1, new TransientError('scm_rate_limited', 'x', 120_000)) >= 120_000);
    assert.ok(p.delay({ id: 'a' }, 1, new TransientError(SECONDARY_RATE_LIMIT, 'x')) >= 60_000);
    const small = createRetryPolicy({ horizonMs: 20_000, firstDelayMs: 100, maxDelayMs: 1000 }, () => T0);
    const d = small.delay({ id: 'a' }, 1, new TransientError(SECONDARY_RATE_LIMIT, 'x'));
    assert.ok(d >= 1000 && d <= 1000, `capped by maxDelay on a compressed clock: ${d}`);
  });

  it('gives up when the next attempt would start after receipt + horizon, saying how long and what failed', () => {
    let now = T0;
    const p = createRetryPolicy({ horizonMs: 20_000, firstDelayMs: 100, maxDelayMs: 1000 }, () => now);
    const job = { id: 'push-github-1', timestamp: T0, attemptsMade: 0 };
    // Walk the attempts as BullMQ would run them.
    let attempts = 0;
    for (;;) {
      attempts++;
      const gaveUp = p.giveUp(job, unavailable);
      if (gaveUp) {
        assert.match(
          gaveUp,
          /^gave up after 1\d s and \d+ attempts \(retry\.horizon 20 s\); last error: github: read ref refs\/heads\/main of acme\/app: HTTP 503 \(Server Error\)\. Retry/,
        );
        assert.ok(!gaveUp.includes('will retry'));
        break;
      }
      const wait = p.backoffStrategy(job.attemptsMade + 1, 'dispatchd', unavailable, job);
      assert.ok(wait > 0);
      assert.ok(now + wait <= T0 + 20_000, 'no attempt starts after the horizon');
      now += wait + 30;
      job.attemptsMade++;
    }
    assert.ok(now - T0 > 18_000 && now - T0 <= 20_000, `stopped at ${now - T0} ms`);
    assert.ok(attempts > 15 && attempts < 40, `${attempts} attempts in 20 s`);
    // BullMQ's strategy agrees: past the horizon (and its slack) it fails the job.
    now = T0 + 25_000;
    assert.equal(p.backoffStrategy(job.attemptsMade + 1, 'dispatchd', unavailable, job), -1);
  });

  it('a permanent error is not retried by the strategy and not described by the horizon', () => {
    const p = createRetryPolicy(DEFAULT_RETRY, () => T0);
    const job = { id: 'x', timestamp: T0, attemptsMade: 0 };
    const e = new PermanentError('scm_http_401', 'bad token');
    assert.equal(p.backoffStrategy(1, 'dispatchd', e, job), -1);
    assert.equal(p.giveUp(job, e), undefined);
  });
});
