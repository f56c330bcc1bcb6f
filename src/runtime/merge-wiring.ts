import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { ignoreGitopsEvent, type OnGitopsEvent } from '../core/gitops-events.js';
import type { Logger } from '../log/logger.js';
import { jobOptions } from '../queue/job-options.js';
import { mergeJobId, type MergeJob } from '../queue/jobs.js';
import type { Producer } from './connections.js';

/**
 * What the workers share for merge when green and promotion: the injected `onGitopsEvent`
 * (guarded: a failing listener is logged and never fails the job that noticed the event), and
 * the merge jobs, which ride the gitops queue (its worker slots, one key space, one dashboard).
 */
export function mergeWiring(producer: Producer, log: Logger, listener: OnGitopsEvent = ignoreGitopsEvent) {
  const onGitopsEvent: OnGitopsEvent = async (event) => {
    try {
      await listener(event);
    } catch (err) {
      log.warn({ err: (err as Error).message, event: event.type }, 'onGitopsEvent failed');
    }
  };
  const mergeQueue = producer.gitops as unknown as Queue<MergeJob>;
  const queueMerge = async (job: MergeJob): Promise<void> => {
    const jobId = mergeJobId(job, (s) => createHash('sha256').update(s).digest('hex').slice(0, 32));
    await mergeQueue.add('merge', job, { ...jobOptions, jobId });
  };
  return { onGitopsEvent, mergeQueue, queueMerge };
}
