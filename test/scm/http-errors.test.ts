import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentError, TransientError } from '../../src/core/errors.js';
import { classifyHttpFailure, SECONDARY_RATE_LIMIT } from '../../src/scm/http-errors.js';

const NOW = 1_700_000_000_000;
const classify = (status: number | undefined, headers: Record<string, string> = {}, message = 'x') =>
  classifyHttpFailure('github: read ref', { status, headers, message }, NOW);

describe('classifyHttpFailure: what is a passing fault', () => {
  it('5xx, 408 and no answer (connection refused, timeout) are passing', () => {
    for (const s of [500, 502, 503, 504, 408, undefined]) {
      const e = classify(s, {}, s === undefined ? 'connect ECONNREFUSED 127.0.0.1:1' : 'Server Error');
      assert.ok(e instanceof TransientError, `${s}`);
      assert.equal(e.code, 'scm_unavailable');
    }
    assert.equal(
      (classify(503, { 'retry-after': '7' }) as TransientError).retryAfterMs,
      7000,
      'a 503 with Retry-After says how long',
    );
  });

  it('429 and 403 with Retry-After wait as asked', () => {
    for (const s of [429, 403]) {
      const e = classify(s, { 'retry-after': '4', 'x-ratelimit-remaining': '4000' });
      assert.ok(e instanceof TransientError);
      assert.equal(e.code, 'scm_rate_limited');
      assert.equal(e.retryAfterMs, 4000);
    }
  });

  it('a primary limit (403, x-ratelimit-remaining: 0) waits until the reset', () => {
    const e = classify(
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) },
      'API rate limit exceeded for installation ID 1.',
    );
    assert.ok(e instanceof TransientError);
    assert.equal(e.retryAfterMs, 90_000);
  });

  it('a secondary limit (403 by its documented message, no Retry-After) is passing, with no SCM-given wait', () => {
    for (const message of [
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.',
    ]) {
      // GitHub still reports budget left and the hour's reset: neither is the wait.
      const e = classify(
        403,
        { 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': String(NOW / 1000 + 3000) },
        message,
      );
      assert.ok(e instanceof TransientError, message);
      assert.equal(e.code, SECONDARY_RATE_LIMIT);
      assert.equal(e.retryAfterMs, undefined);
      assert.match(e.message, /secondary rate limit \(HTTP 403\)/);
    }
    const bare = classify(429, { 'x-ratelimit-remaining': '10' });
    assert.ok(bare instanceof TransientError);
    assert.equal(bare.code, SECONDARY_RATE_LIMIT, 'a 429 without a wait is treated alike');
  });

  it('other 4xx, and a 403 that is no rate limit, are permanent with a hint', () => {
    const forbidden = classify(403, { 'x-ratelimit-remaining': '4990' }, 'Resource not accessible by integration');
    assert.ok(forbidden instanceof PermanentError);
    assert.match(forbidden.message, /lacks permission/);
    assert.ok(classify(401) instanceof PermanentError);
    assert.ok(classify(404) instanceof PermanentError);
    assert.ok(classify(422) instanceof PermanentError);
  });

  it("quotes only a short, sanitised first line of the SCM's message (it can reach a public status)", () => {
    const raw = `Not Found; see https://git.corp.example/api/v4/projects/42 for git@git.corp.example:team/app.git on 10.20.30.40:8443\n${'stack line\n'.repeat(20)}`;
    const refused = classify(404, {}, raw);
    assert.ok(refused instanceof PermanentError);
    assert.match(refused.message, /HTTP 404 Not Found/);
    for (const leak of ['git.corp.example', '10.20.30.40', 'https://', 'stack line'])
      assert.ok(!refused.message.includes(leak), `${leak} in: ${refused.message}`);
    const down = classify(undefined, {}, 'connect ECONNREFUSED 10.9.8.7:443');
    assert.match(down.message, /no response \(connect ECONNREFUSED\)/);
    assert.ok(!down.message.includes('10.9.8.7'), down.message);
    const long = classify(422, {}, 'x'.repeat(5000));
    assert.ok(long.message.length < 200, `capped: ${long.message.length}`);
    assert.match(long.message, /HTTP 422 x+…: the SCM refused the request/);
  });
});
