import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../e2e/fixtures.js';
import { ADMIN, GITOPS, headBranch, imageOf, startRetryRig, type RetryRig } from '../e2e/retry-rig.js';
import { runCli } from './run-cli.js';

const REF = 'GET /repos/{owner}/{repo}/git/ref/{ref}';
// A short horizon, so a passing fault that lasts fails the push job for good within seconds.
const HORIZON = 'retry: { horizon: 2s, firstDelay: 100ms, maxDelay: 400ms }';

describe('dispatchd retry: a push job that failed for good before planning (retry horizon reached)', () => {
  let rig: RetryRig;
  const admin = { DISPATCHD_ADMIN_TOKEN: ADMIN };

  before(async () => {
    rig = await startRetryRig({ extraConfig: HORIZON });
  });
  after(async () => {
    await rig?.close();
  });

  it(
    'is re-run by `dispatchd retry <id>` under a fresh receipt number, opens the PR, and leaves the environment usable',
    { timeout: 120_000 },
    async () => {
      // Every read of the branch tip answers 503: the push job never gets to plan.
      let refused = 0;
      rig.gh.setFaults((call) => (call.route === REF ? (refused++, { status: 503 }) : undefined));
      const first = await rig.push('production', '3.0.0');
      const failed = await rig.waitFor(first.id, 'failed', 30_000);
      rig.gh.setFaults(undefined);
      assert.ok(refused >= 2, `the passing fault was retried (${refused} attempts) until the horizon`);
      assert.match(
        failed.errors.join('\n'),
        /gave up after .* attempts? \(retry\.horizon 2\.0 s\); last error: .*HTTP 503/,
      );
      assert.equal(failed.planned, undefined, 'it failed before planning');
      assert.deepEqual(failed.tasks, []);
      const job = (await rig.stack.producer.events.getFailed()).find(
        (j) => j.data.event.deliveryId === first.deliveryId,
      );
      assert.ok(job?.finishedOn, 'the push job failed for good');
      // What retry once read as this delivery's number: the inbox's "q:<n>", which is not one.
      const inbox = await rig.stack.producer.redis.get(`dispatchd:delivery:github:${first.deliveryId}`);
      assert.match(inbox ?? '', /^q:\d+$/);

      const [noToken, r] = await Promise.all([
        runCli(['retry', first.id, '--url', rig.url]),
        runCli(['retry', first.id, '--url', rig.url], admin),
      ]);
      assert.equal(noToken.code, 1);
      assert.match(noToken.stderr, /answered 401: .*DISPATCHD_ADMIN_TOKEN is not set in this shell/);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^queued a retry of ${first.id} \\(job (\\S+-retry-1)\\): it plans the tip of refs/heads/production of acme/hello-world as it is now`,
        ),
      );
      const jobId = /\(job (\S+)\)/.exec(r.stdout)![1]!;
      const retried = await rig.stack.producer.events.getJob(jobId);
      assert.ok(retried, `job ${jobId} queued`);
      assert.ok(
        Number.isSafeInteger(retried.data.seq) && retried.data.seq > Number(inbox!.slice(2)),
        `a fresh receipt number: ${retried.data.seq}`,
      );

      const done = await rig.waitFor(first.id, 'succeeded');
      assert.equal(done.planned, first.sha);
      assert.equal(done.retries, 1);
      assert.match(done.history[0]!.errors.join('\n'), /gave up after/);
      const finished = await eventually(
        async () => {
          const j = await rig.stack.producer.events.getJob(jobId);
          return j?.finishedOn ? j : undefined;
        },
        10_000,
        'the retried job to finish',
      );
      assert.equal(finished.attemptsMade, 1, `the retried job ran once: ${finished.failedReason ?? ''}`);
      assert.equal(finished.failedReason, undefined);
      const pr = rig.gh.pulls(GITOPS).find((p) => p.head === headBranch('production') && p.state === 'open');
      assert.ok(pr, 'the PR opened');
      assert.ok((await rig.rendered('production')).includes(imageOf('production', first.sha)));

      // The environment took a numeric stamp and still moves: a later push is applied to the same PR.
      const later = await rig.push('production', '3.0.1');
      await rig.waitFor(later.id, 'succeeded');
      assert.ok(
        (await rig.rendered('production')).includes(imageOf('production', later.sha)),
        'the later push is applied',
      );
      assert.deepEqual(
        rig.gh
          .pulls(GITOPS)
          .filter((p) => p.head === headBranch('production') && p.state === 'open')
          .map((p) => p.number),
        [pr.number],
      );

      const again = await runCli(['retry', first.id, '--url', rig.url], admin);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /answered 409: delivery "github:.*" is succeeded: only failed deliveries are retried/);
      const unknown = await runCli(['retry', 'github:no-such-delivery', '--url', rig.url], admin);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /answered 404: .*GET \/api\/deliveries/);
    },
  );
});
