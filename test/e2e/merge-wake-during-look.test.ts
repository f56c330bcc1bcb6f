import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { StatusEvent } from '../../src/core/review-events.js';
import { createMirrors } from '../../src/git/mirrors.js';
import type { MergeJob, ReviewJob } from '../../src/queue/jobs.js';
import { QUEUE_PREFIX } from '../../src/queue/names.js';
import { createProviders, type Providers } from '../../src/scm/providers.js';
import { createMergeProcessor } from '../../workers/merges.js';
import { createReviewProcessor } from '../../workers/reviews.js';
import { createLogger } from '../../src/log/logger.js';
import { startGitlabEmulator, type GitlabEmulator } from '../emulators/gitlab/emulator.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { apiCall } from './scm/api-call.js';

const TOKEN = 'glpat-wake-during-look';
const GITOPS = 'acme/gitops';
const CHECK = 'ci/validate';

/**
 * The status webhook for a PR's head can arrive while its merge job is looking: after the job
 * read the statuses, before it went back to waiting. Here the job polls only every 10 minutes,
 * and the status is posted (and its webhook processed) exactly in that gap; the job must look
 * again at once and merge, not sleep for the 10 minutes.
 */
describe('merge when green: a status arriving during a look is not lost', { timeout: 60_000 }, () => {
  let gl: GitlabEmulator;
  let stack: Stack;
  let connection: Redis;
  let queue: Queue<MergeJob>;
  let worker: Worker<MergeJob>;
  before(async () => {
    gl = await startGitlabEmulator({ token: TOKEN });
    await gl.git.createRepo(GITOPS, { files: { 'staging/app.yaml': 'image: a\n' } });
    stack = await startStack(
      `
hosts:
  gitlab:
    kind: gitlab
    url: ${gl.url}
    apiUrl: ${gl.apiUrl}
    token: ${TOKEN}
    webhookSecret: s
gitops:
  - repo: "gitlab:${GITOPS}"
    allow: [{ from: "gitlab:acme/app", paths: ["staging/**"] }]
dataDir: \${DATA_DIR}
`,
      { workers: false },
    );
    connection = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue<MergeJob>('merge-wake-test', { connection, prefix: QUEUE_PREFIX });
    worker = new Worker<MergeJob>(queue.name, null, { connection, prefix: QUEUE_PREFIX, autorun: false });
  });
  after(async () => {
    await worker?.close();
    await queue?.close();
    connection?.disconnect();
    await stack?.stop();
    await gl?.close();
  });

  it('the job marked during its look looks again within a second and merges', async () => {
    const head = await gl.git.commit(GITOPS, 'dispatchd/x', { 'staging/app.yaml': 'image: b\n' }, 'b');
    const mr = (await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(GITOPS)}/merge_requests`, TOKEN, 'POST', {
      source_branch: 'dispatchd/x',
      target_branch: 'main',
      title: 'b',
    })) as { iid: number };
    const log = createLogger({ level: 'silent' });
    const real = createProviders(stack.config, createMirrors(stack.config.dataDir));
    const processReview = createReviewProcessor({
      config: stack.config,
      gitops: queue,
      onGitopsEvent: () => undefined,
      log,
      redis: stack.producer.redis,
    });
    let posted = false;
    // The SCM boundary, instrumented: right after the job reads the (still pending) checks, CI
    // posts its green status and the status webhook is processed.
    const racing: Providers = {
      ...real,
      for(host: string) {
        const p = real.for(host);
        const w = Object.create(p) as typeof p;
        w.commitChecks = async (repo, sha) => {
          const checks = await p.commitChecks(repo, sha);
          if (!posted) {
            posted = true;
            await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(GITOPS)}/statuses/${sha}`, TOKEN, 'POST', {
              state: 'success',
              name: CHECK,
            });
            const review: StatusEvent = {
              kind: 'status',
              host: 'gitlab',
              scm: 'gitlab',
              deliveryId: 'during-look',
              repo: { fullName: GITOPS, cloneUrl: `${gl.url}/${GITOPS}.git`, webUrl: `${gl.url}/${GITOPS}` },
              sha,
              status: { state: 'success', context: CHECK, description: '' },
              receivedAt: Date.now(),
            };
            const woke = await processReview({ data: { review, seq: 1 } } as Job<ReviewJob>);
            assert.deepEqual(woke, { acted: [`merge #${mr.iid} (looking)`, 'onGitopsEvent'] });
          }
          return checks;
        };
        return w;
      },
    };
    const processMerge = createMergeProcessor({
      providers: racing,
      onGitopsEvent: () => undefined,
      now: Date.now,
      log,
      redis: stack.producer.redis,
    });
    await queue.add('merge', {
      host: 'gitlab',
      repo: GITOPS,
      number: mr.iid,
      headSha: head,
      method: 'merge',
      requiredChecks: [CHECK],
      timeoutMs: 3_600_000,
      since: Date.now(),
      looks: 0,
      poll: { firstMs: 600_000, maxMs: 600_000 },
    });
    const first = (await worker.getNextJob('look-1')) as Job<MergeJob>;
    await assert.rejects(processMerge(first, 'look-1'), DelayedError, 'the first look saw the check pending');
    assert.ok(posted);

    let second: Job<MergeJob> | undefined;
    for (const deadline = Date.now() + 5000; !second && Date.now() < deadline;) {
      second = (await worker.getNextJob('look-2', { block: false })) as Job<MergeJob> | undefined;
      if (!second) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(second, 'looked again within 5 s, not at the 10-minute poll');
    assert.equal((await processMerge(second, 'look-2')).outcome, 'merged');
    assert.equal(gl.mergeRequests(GITOPS).find((m) => m.iid === mr.iid)?.state, 'merged');
  });
});
