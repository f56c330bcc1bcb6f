import { hostname } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { Worker, type Job } from 'bullmq';
import type { DispatchdConfig } from '../src/config/schema.js';
import { toMs } from '../src/config/duration.js';
import { createMirrors } from '../src/git/mirrors.js';
import { prefetchGitops } from '../src/gitops/prefetch.js';
import type { PushEvent } from '../src/core/push-event.js';
import type { Logger } from '../src/log/logger.js';
import { createEnvironments } from '../src/queue/environments.js';
import { createRefPlans } from '../src/queue/ref-plans.js';
import { createStatusMemory } from '../src/queue/status-memory.js';
import { PUSH_QUEUE, GITOPS_QUEUE, QUEUE_PREFIX } from '../src/queue/names.js';
import { createDigestResolver } from '../src/registry/index.js';
import { createProviders } from '../src/scm/providers.js';
import { createRetryPolicy, retrySettings } from '../src/queue/job-options.js';
import { createHostWaits, hostOfFailure } from '../src/queue/hosts.js';
import type { EnvUpdateSpec } from '../src/core/env-update.js';
import { createGitopsProcessor } from './gitops.js';
import { createPushProcessor } from './push.js';
import { createMergeProcessor } from './merges.js';
import { createReviewProcessor } from './reviews.js';
import { createCommentPlanner } from './pull-request-comments.js';
import { createPullRequestPlanner, plannedPullRequest } from './pull-requests.js';
import { headAsPush } from '../src/plan/plan-pull-request.js';
import { ignoreGitopsEvent, type OnGitopsEvent } from '../src/core/gitops-events.js';
import type { GitopsJob, MergeJob, PushJob, ReviewJob } from '../src/queue/jobs.js';
import { mergeWiring } from '../src/runtime/merge-wiring.js';
import type { Observer } from '../src/telemetry/observer.js';
import { openWorkerConnection, type Producer } from '../src/runtime/connections.js';
import { telemetryFor } from '../src/runtime/telemetry.js';
import { startInboxPump } from '../src/runtime/pump.js';
import { startPromotions } from './promotions.js';

/**
 * Starts the `events` and `gitops` workers; `close()` stops taking work and lets jobs finish.
 * Metrics and the audit trail are always fed; `observer`, when given, is called as well.
 */
export async function startWorkers(
  config: DispatchdConfig,
  redisUrl: string,
  producer: Producer,
  log: Logger,
  extraObserver?: Observer,
  hooks: { onGitopsEvent?: OnGitopsEvent } = {},
) {
  await mkdir(config.dataDir, { recursive: true });
  const mirrors = createMirrors(config.dataDir);
  const { metrics, audit, observer } = telemetryFor(config, producer, log, extraObserver);
  // What the workers will talk to, for operators debugging a setup; credentials are redacted by the logger.
  log.debug(
    { hosts: config.hosts, registries: config.registries, repositories: config.repositories.length },
    'workers: configuration in force',
  );
  const providers = createProviders(config, mirrors, {
    onCall: (c) => {
      metrics.scmCalls.inc({ host: c.host, operation: c.operation, outcome: c.outcome });
      // GitHub reports its budget on every answer; elsewhere an exhausted limit is the reading.
      if (c.outcome === 'rate_limited') metrics.rateLimitRemaining.set({ host: c.host }, 0);
    },
    onRateLimit: (host, remaining) => metrics.rateLimitRemaining.set({ host }, remaining),
  });
  const environments = createEnvironments(producer.redis);
  const refPlans = createRefPlans(producer.redis, toMs(config.deliveryTtl));
  // Remembered as long as deliveries are: a redelivery within it re-posts nothing.
  const statuses = createStatusMemory(producer.redis, toMs(config.deliveryTtl));
  const resolver = createDigestResolver({
    registries: config.registries,
    waitMs: toMs(config.digestWait),
    onWait: (w) => log.info(w, 'waiting for image'),
  });
  // Passing faults are retried until the horizon (config `retry`, docs/reliability.md).
  const retry = createRetryPolicy(retrySettings(config.retry));
  const settings = { backoffStrategy: retry.backoffStrategy };
  // A SIGKILLed worker's jobs come back after the lock lapses; docs/architecture.md promises no 202 is lost,
  // so a job may be taken back several times (BullMQ's default fails it on the second stall).
  const recovery = {
    lockDuration: toMs(config.workers.lockDuration),
    stalledInterval: toMs(config.workers.stalledInterval),
    maxStalledCount: config.workers.maxStalledCount,
  };
  // Jobs record which process ran them (BullMQ's processedBy), for operators and the fault tests.
  const processName = `${hostname()}:${process.pid}`;
  const connections = [
    openWorkerConnection(redisUrl),
    openWorkerConnection(redisUrl),
    openWorkerConnection(redisUrl),
  ] as const;
  const applyDeps = { config, providers, mirrors, resolveDigest: (ref: string) => resolver.resolve(ref) };
  const promotion = startPromotions({
    config,
    producer,
    providers,
    mirrors,
    environments,
    apply: applyDeps,
    log,
    connection: connections[2],
    options: { concurrency: 2, settings, ...recovery, name: processName },
  });
  // Receivers write jobs directly; the pump makes jobs of inbox-stream entries an older receiver
  // wrote during a rolling upgrade (docs/reliability.md).
  const pump = startInboxPump(config, redisUrl, producer, log, audit);
  const { onGitopsEvent, mergeQueue, queueMerge } = mergeWiring(producer, log, async (event) => {
    // A merged PR or a status in a GitOps repository runs its waiting promotion checks now;
    // they poll anyway, so a lost event only makes a promotion later.
    await promotion.requests.nudge(`${event.host}:${event.repo}`);
    // The environments view shows dispatchd's open PRs and their checks from what arrives here.
    await promotion.prChecks.onGitopsEvent(event);
    await (hooks.onGitopsEvent ?? ignoreGitopsEvent)(event);
  });
  const planning = {
    config,
    providers,
    environments,
    refPlans,
    gitops: producer.gitops,
    log,
    observer,
    retry,
    statuses,
    prefetch: (event: PushEvent) => prefetchGitops({ config, providers, mirrors }, event),
  };
  const processPush = createPushProcessor(planning);
  // Pull-request and status webhooks ride the events queue as `review` jobs (src/queue/inbox.ts).
  const planPull = createPullRequestPlanner(planning);
  const processReview = createReviewProcessor({
    config,
    gitops: mergeQueue,
    onGitopsEvent,
    log,
    planPull,
    planComment: createCommentPlanner(planning, planPull),
    redis: producer.redis,
  });
  const push = new Worker(
    PUSH_QUEUE,
    (job: Job<PushJob | ReviewJob>) =>
      job.name === 'review' ? processReview(job as Job<ReviewJob>) : processPush(job as Job<PushJob>),
    {
      connection: connections[0],
      prefix: QUEUE_PREFIX,
      concurrency: config.workers.events,
      settings,
      ...recovery,
      name: processName,
    },
  );
  const processGitops = createGitopsProcessor({
    apply: applyDeps,
    environments,
    afterRun: promotion.afterRun,
    providers,
    log,
    observer,
    retry,
    queueMerge,
    statuses,
  });
  const processMerge = createMergeProcessor({
    providers,
    onGitopsEvent,
    now: Date.now,
    log,
    redis: producer.redis,
    sawChecks: async (job, checks) => {
      const repo = `${job.host}:${job.repo}`;
      await promotion.prChecks.track(repo, job.number, job.headSha);
      for (const c of checks) await promotion.prChecks.check(repo, job.headSha, c);
    },
  });
  const gitops = new Worker(
    GITOPS_QUEUE,
    (job: Job<GitopsJob | MergeJob>, token?: string) =>
      job.name === 'merge' ? processMerge(job as Job<MergeJob>, token) : processGitops(job as Job<GitopsJob>, token),
    {
      connection: connections[1],
      prefix: QUEUE_PREFIX,
      concurrency: config.workers.tasks,
      settings,
      ...recovery,
      name: processName,
    },
  );
  for (const w of [push, gitops, promotion.worker]) {
    w.on('failed', (job, err) =>
      log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'),
    );
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  // A push job that fails for good without a plan (a passing fault past the retry horizon) is
  // recorded here; a bad Dispatchfile is already recorded by the plan report (UnrecoverableError).
  // The processor fails a job at the horizon with a HorizonError saying so (workers/plan-runner.ts); one
  // the backoff strategy failed is described the same way here.
  // A pull request's planning job is recorded the same way; other review jobs have no record.
  push.on('failed', (job, err) => {
    if (!job?.finishedOn || err.name === 'UnrecoverableError') return;
    const pr = job.name === 'review' ? plannedPullRequest(config, (job.data as ReviewJob).review) : undefined;
    if (job.name === 'review' && !pr) return;
    const message =
      err.name === 'HorizonError' || err.name === 'PermanentError'
        ? err.message
        : retry.horizonMessage(
            { id: job.id, timestamp: job.timestamp, attemptsMade: job.attemptsMade - 1 },
            err,
            job.finishedOn,
          );
    audit
      .jobFailed(pr ? headAsPush(pr) : (job.data as PushJob).event, message, pr)
      .catch((e: unknown) => log.warn({ err: (e as Error).message }, 'audit trail: could not record a failed job'));
  });
  // Which host each retried job waits on (GET /api/hosts, dispatchd_host_* gauges): a job waits
  // from a failed attempt that will be retried until it completes or fails for good.
  const hostWaits = createHostWaits(producer.redis);
  metrics.readHostsFrom(producer.redis);
  const knownHosts = Object.keys(config.hosts);
  const noteWaits = (what: string, p: Promise<unknown>) =>
    p.catch((e: unknown) => log.warn({ err: (e as Error).message }, `host waits: could not record ${what}`));
  push.on('failed', (job, err) => {
    if (!job?.id) return;
    void noteWaits(
      'a wait',
      job.finishedOn
        ? hostWaits.done(PUSH_QUEUE, job.id)
        : hostWaits.wait(
            hostOfFailure(err, 'review' in job.data ? job.data.review.host : job.data.event.host, knownHosts),
            PUSH_QUEUE,
            job.id,
            err.message,
          ),
    );
  });
  gitops.on('failed', (job, err) => {
    if (!job?.id) return;
    const id = job.id;
    const data = job.data as GitopsJob | MergeJob;
    if ('headSha' in data) {
      void noteWaits(
        'a wait',
        job.finishedOn
          ? hostWaits.done(GITOPS_QUEUE, id)
          : hostWaits.wait(hostOfFailure(err, data.host, knownHosts), GITOPS_QUEUE, id, err.message),
      );
      return;
    }
    void noteWaits(
      'a wait',
      job.finishedOn
        ? hostWaits.done(GITOPS_QUEUE, id)
        : environments
            .latest<EnvUpdateSpec>(data.envId)
            .then((l) =>
              hostWaits.wait(
                hostOfFailure(err, l?.spec.target.host ?? 'unknown', knownHosts),
                GITOPS_QUEUE,
                id,
                err.message,
              ),
            ),
    );
  });
  for (const [w, queue] of [
    [push, PUSH_QUEUE],
    [gitops, GITOPS_QUEUE],
  ] as const) {
    // Only a job that failed before can be waiting; the first attempt's success costs nothing.
    w.on('completed', (job) => {
      if (job.id && job.attemptsMade > 1) void noteWaits('a recovery', hostWaits.done(queue, job.id));
    });
  }
  return {
    push,
    gitops,
    pump,
    promotions: promotion.worker,
    /** Promotion checks to ask for when a GitOps repository's event arrives (src/promotion/queue.ts). */
    promotionRequests: promotion.requests,
    /** Queues merge-when-green for a PR head (the events worker nudges these on status events). */
    queueMerge,
    /**
     * Stops taking work and waits for the running jobs. `force` waits for nothing: the connections
     * are dropped, and a job still running keeps its lock until it lapses (`workers.lockDuration`),
     * when another worker's stalled check takes it back; nothing is lost.
     */
    async close(force = false) {
      if (force) {
        // A close() already under way cannot be forced (BullMQ hands back its promise), and it may
        // wait forever on a Redis that is gone: dropping the connections is what ends the wait.
        for (const c of connections) c.disconnect();
        await Promise.race([
          Promise.allSettled([push.close(true), gitops.close(true), pump.close(), promotion.worker.close(true)]),
          new Promise<void>((r) => setTimeout(r, 250).unref()),
        ]);
        return;
      }
      await Promise.all([push.close(), gitops.close(), pump.close(), promotion.worker.close()]);
      // BullMQ leaves connections it was handed open; they are ours to close.
      for (const c of connections) c.disconnect();
    },
  };
}
export type Workers = Awaited<ReturnType<typeof startWorkers>>;
