import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastStatus } from '../gitops/rig.js';
import { APP, GITOPS, headBranch, imageOf, startRetryRig, type RetryRig } from './retry-rig.js';

const PULLS = 'POST /repos/{owner}/{repo}/pulls';

describe('retry of a failed delivery through POST /api/deliveries/:id/retry (real stack, GitHub emulator)', () => {
  let rig: RetryRig;

  before(async () => {
    rig = await startRetryRig();
  });
  after(async () => {
    await rig?.close();
  });

  const openPulls = (dir: string) =>
    rig.gh.pulls(GITOPS).filter((p) => p.head === headBranch(dir) && p.state === 'open');
  /** The inbox's value for a delivery: "q:<receipt number>", not a number itself. */
  const inboxSeq = async (deliveryId: string) => {
    const v = await rig.stack.producer.redis.get(`dispatchd:delivery:github:${deliveryId}`);
    assert.match(v ?? '', /^q:\d+$/, 'the inbox keeps "q:<n>" for a queued delivery');
    return Number(v!.slice(2));
  };

  it(
    'a 403 reading the Dispatchfile fails the delivery with a status saying so; after the fix a retry opens the PR on the branch tip, and a later push updates the same PR',
    { timeout: 120_000 },
    async () => {
      let refused = 0;
      rig.refuse((method, path) => {
        if (method !== 'GET' || !path.startsWith(`/api/v3/repos/${APP}/contents/Dispatchfile`)) return undefined;
        refused += 1;
        return { status: 403, message: 'Resource not accessible by integration' };
      });
      const first = await rig.push('staging', '1.0.0');
      const failed = await rig.waitFor(first.id, 'failed');
      assert.equal(refused, 1, 'a permanent refusal is not retried by the worker');
      assert.match(failed.errors.join('\n'), /HTTP 403 .*Resource not accessible by integration.*lacks permission/);
      assert.deepEqual(failed.tasks, [], 'nothing was planned');
      const status = rig.gh
        .statuses(APP, first.sha)
        .filter((s) => s.context === 'dispatchd')
        .at(-1);
      assert.equal(status?.state, 'failure');
      assert.match(status?.description ?? '', /403/, `the commit status says why: ${status?.description}`);
      assert.equal(openPulls('staging').length, 0);

      // The operator grants the permission; meanwhile the branch moved on without a webhook.
      rig.refuse(undefined);
      const tip = await rig.commit('staging', '1.0.1');
      const receipt = await inboxSeq(first.deliveryId);
      const res = await rig.retry(first.id);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, 'queued');
      assert.equal(res.body.retry, 1);
      assert.equal(res.body.ref, 'refs/heads/staging');
      assert.equal(res.body.repo, APP);
      assert.match(res.body.jobId, /-retry-1$/);
      assert.ok(
        Number.isSafeInteger(res.body.seq) && res.body.seq > receipt,
        `a fresh receipt number (${res.body.seq}) after the delivery's own (${receipt})`,
      );

      const done = await rig.waitFor(first.id, 'succeeded');
      assert.equal(done.planned, tip, 'the retry planned the branch tip, not the pushed commit');
      assert.equal(done.retries, 1);
      assert.equal(done.history.length, 1);
      assert.equal(done.history[0]!.status, 'failed');
      assert.match(done.history[0]!.errors.join('\n'), /HTTP 403/);
      assert.deepEqual(done.errors, []);
      const [pr, ...more] = openPulls('staging');
      assert.ok(pr, 'the PR opened');
      assert.equal(more.length, 0);
      assert.ok(done.prUrls[0]?.endsWith(`/pull/${pr.number}`), `${done.prUrls[0]} is PR ${pr.number}`);
      assert.ok((await rig.rendered('staging')).includes(imageOf('staging', tip)), 'the PR carries the tip');
      assert.equal(lastStatus(rig.gh, tip)?.state, 'success');

      // The environment is usable after the retry: a later push updates the same PR.
      const later = await rig.push('staging', '1.0.2');
      await rig.waitFor(later.id, 'succeeded');
      assert.deepEqual(
        openPulls('staging').map((p) => p.number),
        [pr.number],
        'the same PR',
      );
      assert.ok((await rig.rendered('staging')).includes(imageOf('staging', later.sha)), 'the later push is applied');

      const again = await rig.retry(first.id);
      assert.equal(again.status, 409, 'a delivery that succeeded is not retried');
      assert.match(again.body.message, /is succeeded: only failed deliveries are retried/);
    },
  );

  it(
    'a failed GitOps update (the PR create refused with 422) is retried by planning again, not by replaying its old spec',
    { timeout: 120_000 },
    async () => {
      rig.gh.setFaults((call) => (call.route === PULLS ? { status: 422 } : undefined));
      const first = await rig.push('qa', '2.0.0');
      const failed = await rig.waitFor(first.id, 'failed');
      rig.gh.setFaults(undefined);
      const task = failed.tasks.find((t) => t.task === 'deploy');
      assert.equal(task?.outcome, 'failed');
      assert.match(task?.error ?? '', /HTTP 422/);
      assert.equal(failed.planned, first.sha);
      assert.equal(openPulls('qa').length, 0);
      assert.equal(lastStatus(rig.gh, first.sha)?.state, 'failure');

      // The old spec names first.sha; the branch has moved on since. A replay would open the PR on
      // the old commit, a re-plan opens it on the tip.
      const tip = await rig.commit('qa', '2.0.1');
      const gitopsJobs = (await rig.stack.producer.gitops.getJobs(['completed', 'failed'])).length;
      const res = await rig.retry(first.id);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const job = await rig.stack.producer.events.getJob(res.body.jobId as string);
      assert.ok(job, 'the retry is a new push job');
      assert.equal(job.data.event.deliveryId, first.deliveryId);
      assert.equal(job.data.seq, res.body.seq);

      const done = await rig.waitFor(first.id, 'succeeded');
      assert.equal(done.planned, tip, 'planned again: the tip');
      assert.equal(done.tasks.find((t) => t.task === 'deploy')?.outcome, 'updated');
      assert.equal(done.history[0]?.status, 'failed');
      assert.match(done.history[0]!.errors.join('\n'), /HTTP 422/);
      const [pr] = openPulls('qa');
      assert.ok(pr, 'the PR opened');
      assert.ok(done.prUrls[0]?.endsWith(`/pull/${pr.number}`));
      const rendered = await rig.rendered('qa');
      assert.ok(rendered.includes(imageOf('qa', tip)), `the PR carries the tip ${tip.slice(0, 7)}: ${rendered}`);
      assert.ok(!rendered.includes(first.sha));
      assert.ok(
        (await rig.stack.producer.gitops.getJobs(['completed', 'failed'])).length > gitopsJobs,
        'the plan queued a GitOps run',
      );
      assert.equal(lastStatus(rig.gh, tip)?.state, 'success');

      const later = await rig.push('qa', '2.0.2');
      await rig.waitFor(later.id, 'succeeded');
      assert.deepEqual(
        openPulls('qa').map((p) => p.number),
        [pr.number],
        'the same PR',
      );
      assert.ok((await rig.rendered('qa')).includes(imageOf('qa', later.sha)), 'the later push is applied');
    },
  );
});
