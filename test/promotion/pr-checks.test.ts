import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAppliedUpdates } from '../../src/promotion/applied.js';
import { behindPrevious } from '../../src/promotion/behind.js';
import { createPrChecks } from '../../src/promotion/pr-checks.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { startRedis } from '../helpers/redis.js';

const REPO = 'github:acme/gitops';
const HEAD = 'a'.repeat(40);
const NEXT = 'b'.repeat(40);
const status = (context: string, state: 'pending' | 'success' | 'failure' | 'error', description = '') => ({
  context,
  state,
  description,
});

/**
 * What the environments view learns about dispatchd's open GitOps PRs and how far an environment
 * is behind, over a real redis-server: the records the workers write and the view reads.
 */
describe('open PR checks and how far behind, as recorded in Redis', { timeout: 60_000 }, () => {
  let stop: () => Promise<void>;
  let redis: Redis;
  before(async () => {
    const r = await startRedis();
    stop = () => r.stop();
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
  });
  after(async () => {
    redis?.disconnect();
    await stop?.();
  });

  it('keeps the newest state per context on the head, restarts on a new head, forgets a merged PR', async () => {
    const prs = createPrChecks(redis);
    assert.equal(await prs.check(REPO, HEAD, status('ci/test', 'pending')), false, 'not a tracked head: dropped');
    await prs.track(REPO, 7, HEAD);
    assert.deepEqual((await prs.get(REPO, 7))?.checks, []);
    assert.equal(await prs.check(REPO, HEAD, status('ci/test', 'pending'), 1000), true);
    await prs.check(REPO, HEAD.slice(0, 12), status('ci/lint', 'failure', 'lint: 3 errors'), 1000);
    await prs.check(REPO, HEAD, status('ci/test', 'success'), 3000);
    // An older report read late (a merge job's look racing a webhook) does not win.
    await prs.check(REPO, HEAD, status('ci/test', 'pending'), 2000);
    const pr = await prs.get(REPO, 7);
    assert.deepEqual(
      pr?.checks.map((c) => [c.context, c.state, c.description]),
      [
        ['ci/lint', 'failure', 'lint: 3 errors'],
        ['ci/test', 'success', ''],
      ],
    );
    await prs.track(REPO, 7, HEAD.slice(0, 12));
    assert.equal((await prs.get(REPO, 7))?.checks.length, 2, 'the same head, abbreviated, keeps its checks');
    assert.equal((await prs.get(REPO, 7))?.headSha, HEAD);

    // A webhook only starts the record; a late one of an older head does not move it back.
    await prs.onGitopsEvent({
      type: 'pull-request',
      action: 'updated',
      host: 'github',
      repo: 'acme/gitops',
      number: 9,
      head: 'dispatchd/y',
      base: 'main',
      headSha: HEAD,
      by: 'webhook',
    });
    assert.equal((await prs.get(REPO, 9))?.headSha, HEAD);
    await prs.track(REPO, 7, NEXT);
    assert.deepEqual((await prs.get(REPO, 7))?.checks, [], 'a new head starts with no checks');
    await prs.onGitopsEvent({
      type: 'status',
      host: 'github',
      repo: 'acme/gitops',
      sha: HEAD,
      status: status('ci/test', 'failure'),
    });
    assert.deepEqual((await prs.get(REPO, 7))?.checks, [], 'a status on the old head is not the PR’s any more');
    await prs.onGitopsEvent({
      type: 'status',
      host: 'github',
      repo: 'acme/gitops',
      sha: NEXT,
      status: status('ci/test', 'error'),
    });
    assert.equal((await prs.get(REPO, 7))?.checks[0]?.state, 'error');
    await prs.onGitopsEvent({
      type: 'pull-request',
      action: 'updated',
      host: 'github',
      repo: 'acme/gitops',
      number: 7,
      head: 'dispatchd/x',
      base: 'main',
      headSha: HEAD,
      by: 'webhook',
    });
    assert.equal((await prs.get(REPO, 7))?.headSha, NEXT, 'a late synchronize of the older head changes nothing');
    assert.equal((await prs.get(REPO, 7))?.checks.length, 1);
    assert.ok((await redis.ttl('dispatchd:open-prs:github:acme/gitops')) > 0, 'the record expires');

    await prs.onGitopsEvent({
      type: 'pull-request',
      action: 'merged',
      host: 'github',
      repo: 'acme/gitops',
      number: 7,
      head: 'dispatchd/x',
      base: 'main',
      by: 'dispatchd',
    });
    assert.equal(await prs.get(REPO, 7), null);
  });

  it('keeps at most 50 contexts per PR, dropping the oldest, and bounds their text', async () => {
    const prs = createPrChecks(redis);
    await prs.track(REPO, 8, HEAD);
    for (let i = 0; i < 55; i++)
      await prs.check(REPO, HEAD, status(`ci/${String(i).padStart(2, '0')}`, 'success'), 1000 + i);
    const checks = (await prs.get(REPO, 8))!.checks;
    assert.equal(checks.length, 50);
    assert.equal(checks[0]?.context, 'ci/05');
    await prs.check(REPO, HEAD, status('ci/99', 'failure', 'x'.repeat(5000)), 9999);
    const long = (await prs.get(REPO, 8))!.checks.find((c) => c.context === 'ci/99');
    assert.equal(long?.description.length, 300, 'a description is kept to 300 characters');
  });

  it('counts the updates written to the previous environment since the one this one carries', async () => {
    const applied = createAppliedUpdates(redis);
    const spec = (sha: string) =>
      ({ source: { sha, ref: 'refs/heads/main' }, images: { app: `app:${sha}` } }) as unknown as EnvUpdateSpec;
    for (const [i, sha] of ['s1', 's2', 's3', 's4'].entries())
      await applied.record('staging-env', {
        spec: spec(sha),
        gitopsCommit: `g${i}`,
        branch: 'b',
        at: Date.UTC(2026, 0, 1, i),
      });
    assert.deepEqual(await behindPrevious(applied, 'staging-env', 's1'), {
      previous: 's4',
      carries: 's1',
      behind: true,
      updates: 3,
      since: '2026-01-01T01:00:00.000Z',
      waiting: { sha: 's4', ref: 'refs/heads/main', images: { app: 'app:s4' } },
    });
    assert.deepEqual(await behindPrevious(applied, 'staging-env', 's4'), {
      previous: 's4',
      carries: 's4',
      behind: false,
      updates: 0,
    });
    const unknown = await behindPrevious(applied, 'staging-env', null);
    assert.equal(unknown?.updates, 4);
    assert.equal(unknown?.atLeast, true, 'older updates may have been dropped: a lower bound');
    assert.equal(await behindPrevious(applied, 'nothing-env', 's1'), null);
  });
});
