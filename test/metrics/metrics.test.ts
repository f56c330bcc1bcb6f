import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ADMIN, GITOPS, startFullStack, type FullStack } from '../http/full-stack.js';
import { eventually } from '../e2e/fixtures.js';

/** The value of one sample in Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Prometheus /metrics after a real push → PR', () => {
  let s: FullStack;
  let text = '';
  const scrape = async () =>
    (await request(s.server).get('/metrics').set('authorization', `Bearer ${ADMIN}`).expect(200)).text;

  before(async () => {
    s = await startFullStack();
    assert.equal((await s.push('staging', '1.1.0')).status, 202);
    assert.equal((await s.push('staging', '1.1.1', { secret: 'not-the-secret' })).status, 401);
    await eventually(() => s.gh.pulls(GITOPS)[0], 30_000, 'a pull request');
    await s.idle();
    // The push→PR run reports after the PR; wait for its observation to land.
    text = await eventually(
      async () => {
        const t = await scrape();
        return (sample(t, 'dispatchd_push_to_pr_seconds_count') ?? 0) >= 1 ? t : undefined;
      },
      10_000,
      'the latency observation',
    );
  });
  after(async () => {
    await s?.stop();
  });

  it('counts webhooks by host, event and outcome', () => {
    assert.equal(sample(text, 'dispatchd_webhooks_total', { host: 'github', event: 'push', outcome: 'queued' }), 1);
    // An unverified request cannot choose label values: its event header is not trusted.
    assert.equal(
      sample(text, 'dispatchd_webhooks_total', { host: 'github', event: 'unknown', outcome: 'signature_invalid' }),
      1,
    );
  });

  it('reports queue depth by state, read from Redis at scrape time', () => {
    assert.equal(sample(text, 'dispatchd_queue_jobs', { queue: 'events', state: 'completed' }), 1);
    assert.equal(sample(text, 'dispatchd_queue_jobs', { queue: 'gitops', state: 'completed' }), 1);
    assert.equal(sample(text, 'dispatchd_queue_jobs', { queue: 'events', state: 'waiting' }), 0);
  });

  it('times jobs by kind, and push → PR latency', () => {
    assert.equal(sample(text, 'dispatchd_job_duration_seconds_count', { kind: 'plan', outcome: 'ok' }), 1);
    assert.equal(sample(text, 'dispatchd_job_duration_seconds_count', { kind: 'gitops', outcome: 'updated' }), 1);
    assert.equal(sample(text, 'dispatchd_push_to_pr_seconds_count', { host: 'github' }), 1);
    const seconds = sample(text, 'dispatchd_push_to_pr_seconds_sum', { host: 'github' })!;
    assert.ok(seconds > 0 && seconds < 30, `latency ${seconds} s`);
  });

  it('counts SCM API calls by host and operation, and git pushes', () => {
    assert.equal(
      sample(text, 'dispatchd_scm_api_calls_total', { host: 'github', operation: 'createPullRequest', outcome: 'ok' }),
      1,
    );
    assert.equal(
      sample(text, 'dispatchd_scm_api_calls_total', { host: 'github', operation: 'createPullRequest', outcome: 'ok' }),
      s.gh.count('POST /repos/{owner}/{repo}/pulls'),
    );
    assert.ok(
      (sample(text, 'dispatchd_scm_api_calls_total', { host: 'github', operation: 'setStatus', outcome: 'ok' }) ?? 0) >=
        2,
    );
    assert.equal(sample(text, 'dispatchd_git_pushes_total', { host: 'github' }), 1);
    // The emulator counts the budget down per token from 5000, as GitHub does, on every answer.
    const remaining = sample(text, 'dispatchd_scm_rate_limit_remaining', { host: 'github' }) ?? -1;
    assert.ok(
      remaining < 5000 && remaining >= 5000 - s.gh.count(),
      `rate limit remaining ${remaining} after ${s.gh.count()} calls`,
    );
  });
});
