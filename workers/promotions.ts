import type { WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../src/config/schema.js';
import type { Mirrors } from '../src/git/mirrors.js';
import type { ApplyDeps } from '../src/gitops/apply.js';
import type { Logger } from '../src/log/logger.js';
import { createAppliedUpdates } from '../src/promotion/applied.js';
import { createPrChecks } from '../src/promotion/pr-checks.js';
import { createPromotionRequests } from '../src/promotion/queue.js';
import { createPromotionStates } from '../src/promotion/states.js';
import { afterGitopsRun, startPromotionWorker } from '../src/promotion/worker.js';
import type { Environments } from '../src/queue/environments.js';
import type { Providers } from '../src/scm/providers.js';
import { setStatus } from './statuses.js';
import type { Producer } from '../src/runtime/connections.js';

/** The promotions worker and what the gitops worker and event hooks call into. */
export function startPromotions(o: {
  config: DispatchdConfig;
  producer: Producer;
  providers: Providers;
  mirrors: Mirrors;
  environments: Environments;
  apply: ApplyDeps;
  log: Logger;
  connection: Redis;
  options: Omit<WorkerOptions, 'connection' | 'prefix'>;
}) {
  const redis = o.producer.redis;
  const applied = createAppliedUpdates(redis);
  const states = createPromotionStates(redis);
  const prChecks = createPrChecks(redis);
  const requests = createPromotionRequests(o.producer.promotions, redis, o.config);
  const worker = startPromotionWorker(
    {
      config: o.config,
      providers: o.providers,
      mirrors: o.mirrors,
      environments: o.environments,
      applied,
      states,
      gitops: o.producer.gitops,
      redis,
      log: o.log,
      apply: o.apply,
      setStatus: (host, repo, sha, status) => setStatus(o.providers, o.log, host, repo, sha, status),
    },
    o.connection,
    o.options,
  );
  return { worker, requests, prChecks, afterRun: afterGitopsRun({ applied, prChecks }, requests) };
}
