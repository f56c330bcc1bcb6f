import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AuditTrail } from '../../audit/trail.js';
import { DispatchError } from '../../core/errors.js';
import { pushJobId, reviewJobId, type PushJob, type ReviewJob } from '../../queue/jobs.js';
import { jobOptions } from '../../queue/job-options.js';
import { keys } from '../../queue/names.js';

export interface RetryDeps {
  audit: AuditTrail;
  events: Queue<PushJob>;
  redis: Redis;
}

/** What `POST /api/deliveries/:id/retry` answers (202). */
export interface RetryQueued {
  jobId: string;
  /** The fresh receipt number the retry is planned under. */
  seq: number;
  /** 1 for the delivery's first retry. */
  retry: number;
  repo: string;
  ref: string;
  /** Set when the delivery was a pull request's: the retry plans it again as one. */
  pullRequest?: number;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * Re-runs a failed delivery, whatever stage it failed at (its plan errored, a GitOps run for one
 * of its tasks failed, or its push job failed for good): its stored PushEvent is queued as a new
 * push job under a fresh receipt number, so the push worker plans again from the start. The plan
 * reads the ref's tip as it is now, and an environment only ever moves forward (by ancestry), so
 * retrying an old push can never take an environment back. A failed GitOps update is re-planned
 * too, never replayed from its old spec: the tip, the Dispatchfile or the grants may have changed.
 * A pull request's delivery is queued as the `review` job it was, so it is planned as a pull
 * request again (its `pull_request` actions, the base tip's Dispatchfile, the fork refusal, the
 * grants' `pullRequests`), never as a push of its head branch.
 */
export async function retryDelivery(deps: RetryDeps, id: string): Promise<RetryQueued> {
  const found = await deps.audit.forRetry(id);
  if (!found)
    throw new DispatchError(
      'not_found',
      `no delivery "${id}" in the audit trail (it may be past its retention): list deliveries with GET /api/deliveries`,
      404,
    );
  const { event, pullRequest, record } = found;
  if (record.status !== 'failed') {
    throw new DispatchError(
      'not_failed',
      `delivery "${id}" is ${record.status}: only failed deliveries are retried (send the push again, or use "dispatchd replay", to run a finished one again)`,
      409,
    );
  }
  const retry = await deps.audit.markRetried(record);
  if (retry === null)
    throw new DispatchError(
      'not_failed',
      `delivery "${id}" was retried meanwhile: follow that retry with GET /api/deliveries/${encodeURIComponent(id)}`,
      409,
    );
  // Always a fresh receipt number, never one stored with the delivery: one that failed before it
  // was planned has none (the inbox's "q:<n>" is not a number), and an old number would read as
  // covered by the plans made since.
  const jobId = `${(pullRequest ? reviewJobId : pushJobId)(event.host, event.deliveryId, hash)}-retry-${retry}`;
  let seq: number;
  try {
    seq = await deps.redis.incr(keys.receiptSeq());
    // Review jobs ride the events queue beside pushes (src/queue/inbox.ts).
    const events = deps.events as unknown as Queue<PushJob | ReviewJob>;
    if (pullRequest) await events.add('review', { review: pullRequest, seq }, { ...jobOptions, jobId });
    else await events.add('push', { event, seq }, { ...jobOptions, jobId });
  } catch (err) {
    // The record was already cleared: put a failure back so the delivery stays retryable.
    const reason = `retry ${retry} could not be queued (${(err as Error).message}): retry it again once Redis answers`;
    await deps.audit.jobFailed(event, reason, pullRequest).catch(() => undefined);
    throw new DispatchError('retry_not_queued', reason, 503);
  }
  return {
    jobId,
    seq,
    retry,
    repo: event.repo.fullName,
    ref: event.ref,
    ...(pullRequest ? { pullRequest: pullRequest.number } : {}),
  };
}
