import type { WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../config/schema.js';
import type { Mirrors } from '../git/mirrors.js';
import type { ApplyDeps } from '../gitops/apply.js';
import type { Logger } from '../log/logger.js';
import { createAppliedUpdates } from '../promotion/applied.js';
import { createPromotionRequests } from '../promotion/queue.js';
import { createPromotionStates } from '../promotion/states.js';
import { afterGitopsRun, startPromotionWorker } from '../promotion/worker.js';
import type { Environments } from '../queue/environments.js';
import type { Providers } from '../scm/providers.js';
import { setStatus } from '../../workers/statuses.js';
import type { Producer } from './connections.js';

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
  return { worker, requests, afterRun: afterGitopsRun({ applied }, requests) };
}
