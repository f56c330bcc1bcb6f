import { mkdir } from 'node:fs/promises';
import { Worker } from 'bullmq';
import type { DispatchdConfig } from '../config/schema.js';
import { toMs } from '../config/duration.js';
import { createMirrors } from '../git/mirrors.js';
import type { Logger } from '../log/logger.js';
import { createEnvironments } from '../queue/environments.js';
import { createRefPlans } from '../queue/ref-plans.js';
import { EVENTS_QUEUE, GITOPS_QUEUE, QUEUE_PREFIX } from '../queue/names.js';
import { createDigestResolver } from '../registry/index.js';
import { createProviders } from '../scm/providers.js';
import { backoffDelay } from '../queue/job-options.js';
import { createGitopsProcessor } from '../../workers/gitops.js';
import { createPushProcessor } from '../../workers/push.js';
import type { Observer } from '../telemetry/observer.js';
import { openWorkerConnection, type Producer } from './connections.js';
import { telemetryFor } from './audit.js';

/**
 * Starts the `events` and `gitops` workers; `close()` stops taking work and lets jobs finish.
 * Metrics and the audit trail are always fed; `observer`, when given, is called as well.
 */
export async function startWorkers(config: DispatchdConfig, redisUrl: string, producer: Producer, log: Logger, extraObserver?: Observer) {
  await mkdir(config.dataDir, { recursive: true });
  const mirrors = createMirrors(config.dataDir);
  const { metrics, audit, observer } = telemetryFor(config, producer, log, extraObserver);
  // What the workers will talk to, for operators debugging a setup; credentials are redacted by the logger.
  log.debug({ hosts: config.hosts, registries: config.registries, repositories: config.repositories.length }, 'workers: configuration in force');
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
  const resolver = createDigestResolver({ registries: config.registries, waitMs: toMs(config.digestWait), onWait: (w) => log.info(w, 'waiting for image') });
  const settings = { backoffStrategy: backoffDelay };
  // A SIGKILLed worker's jobs come back after the lock lapses; DESIGN.md promises no 202 is lost,
  // so a job may be taken back several times (BullMQ's default fails it on the second stall).
  const recovery = { lockDuration: toMs(config.workers.lockDuration), stalledInterval: toMs(config.workers.stalledInterval), maxStalledCount: config.workers.maxStalledCount };
  const connections = [openWorkerConnection(redisUrl), openWorkerConnection(redisUrl)] as const;
  const push = new Worker(EVENTS_QUEUE, createPushProcessor({ config, providers, environments, refPlans, gitops: producer.gitops, log, observer }), {
    connection: connections[0], prefix: QUEUE_PREFIX, concurrency: config.workers.events, settings, ...recovery,
  });
  const gitops = new Worker(GITOPS_QUEUE, createGitopsProcessor({ apply: { config, providers, mirrors, resolveDigest: (ref) => resolver.resolve(ref) }, environments, providers, log, observer }), {
    connection: connections[1], prefix: QUEUE_PREFIX, concurrency: config.workers.tasks, settings, ...recovery,
  });
  for (const w of [push, gitops]) {
    w.on('failed', (job, err) => log.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  // A push job that fails for good without a plan (retries exhausted on a passing fault) is
  // recorded here; a bad Dispatchfile is already recorded by the plan report (UnrecoverableError).
  push.on('failed', (job, err) => {
    if (!job || err.name === 'UnrecoverableError' || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    audit.jobFailed(job.data.event, err.message).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'audit trail: could not record a failed job'));
  });
  return {
    push,
    gitops,
    async close() {
      await Promise.all([push.close(), gitops.close()]);
      // BullMQ leaves connections it was handed open; they are ours to close.
      for (const c of connections) c.disconnect();
    },
  };
}
export type Workers = Awaited<ReturnType<typeof startWorkers>>;
