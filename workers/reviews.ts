import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../src/config/schema.js';
import type { OnGitopsEvent } from '../src/core/gitops-events.js';
import type { ReviewEvent } from '../src/core/review-events.js';
import type { Logger } from '../src/log/logger.js';
import type { MergeJob, ReviewJob } from '../src/queue/jobs.js';
import type { PushResult } from './plan-runner.js';
import type { CommentPlanner } from './pull-request-comments.js';
import type { PullRequestPlanner } from './pull-requests.js';
import { rewakeKey } from './merges.js';

export interface ReviewWorkerDeps {
  config: DispatchdConfig;
  /** The gitops queue, where merge-when-green jobs wait as delayed jobs. */
  gitops: Queue<MergeJob>;
  onGitopsEvent: OnGitopsEvent;
  log: Logger;
  /** Plans a source repository's pull request (Dispatchfile `pull_request` actions). */
  planPull?: PullRequestPlanner;
  /** Plans a chatops command on a source repository's pull request. */
  planComment?: CommentPlanner;
  /** Marks merge jobs that are looking when a status for their head arrives. */
  redis: Pick<Redis, 'set'>;
}

export type ReviewResult = { acted: string[] } | { ignored: string } | PushResult;

// Merge jobs are few (one per open PR asked to merge); a status looks through this many.
const MAX_WAITING_MERGES = 500;

/** The same commit, whichever side was abbreviated (Bitbucket Cloud sends 12 characters). */
const sameCommit = (a: string, b: string) => a.length > 0 && b.length > 0 && (a.startsWith(b) || b.startsWith(a));

/**
 * The `review` processor: a pull-request or status webhook on a GitOps repository dispatchd
 * writes to. A status on a commit that a merge job waits for wakes that job now rather than at
 * its next look; a merge, close or status is handed to `onGitopsEvent` (promotion). Source
 * repositories' pull requests go to `planPull` (their Dispatchfile's `pull_request` actions).
 */
export function createReviewProcessor(deps: ReviewWorkerDeps) {
  const isGitops = (e: ReviewEvent) => deps.config.gitops.some((g) => g.repo === `${e.host}:${e.repo.fullName}`);
  const isSource = (e: ReviewEvent) =>
    deps.config.repositories.some((r) => r.host === e.host && r.repo === e.repo.fullName);

  async function wakeMerges(e: ReviewEvent & { kind: 'status' }): Promise<string[]> {
    const woken: string[] = [];
    const waitsForIt = (job: Job<MergeJob>) =>
      job.name === 'merge' &&
      job.data.host === e.host &&
      job.data.repo === e.repo.fullName &&
      sameCommit(job.data.headSha, e.sha);
    // One looking now may have read the statuses before this one: it looks again before waiting.
    // Marked before the delayed ones are promoted, so a job moving to delayed meanwhile is not missed.
    for (const job of await deps.gitops.getActive(0, MAX_WAITING_MERGES - 1)) {
      if (!waitsForIt(job)) continue;
      await deps.redis.set(rewakeKey(job.id!), '1', 'EX', 3600);
      woken.push(`merge #${job.data.number} (looking)`);
    }
    for (const job of await deps.gitops.getDelayed(0, MAX_WAITING_MERGES - 1)) {
      const d = job.data;
      if (!waitsForIt(job)) continue;
      // Promoted already, or finished meanwhile: either way it looks again (or did).
      await job.promote().catch(() => undefined);
      woken.push(`merge #${d.number}`);
    }
    return woken;
  }

  return async function processReview(job: Job<ReviewJob>): Promise<ReviewResult> {
    const e = job.data.review;
    const log = deps.log.child({ deliveryId: e.deliveryId, repo: e.repo.fullName, review: e.kind });
    if (!isGitops(e)) {
      if (e.kind === 'pull-request' && isSource(e) && deps.planPull) return deps.planPull(job, e);
      if (e.kind === 'comment' && isSource(e) && deps.planComment) return deps.planComment(job, e);
      return { ignored: `a ${e.kind} event of a source repository changes nothing dispatchd acts on` };
    }
    if (e.kind === 'status') {
      const acted = await wakeMerges(e);
      await deps.onGitopsEvent({ type: 'status', host: e.host, repo: e.repo.fullName, sha: e.sha, status: e.status });
      log.debug({ context: e.status.context, state: e.status.state, acted }, 'gitops status');
      return { acted: [...acted, 'onGitopsEvent'] };
    }
    if (e.kind === 'comment') return { ignored: 'a comment on a GitOps repository changes nothing dispatchd acts on' };
    // Only the pull requests dispatchd opens: their heads live under dispatchd/.
    if (!e.head.startsWith('dispatchd/')) return { ignored: `head ${e.head} is not a dispatchd head branch` };
    await deps.onGitopsEvent({
      type: 'pull-request',
      action: e.action,
      host: e.host,
      repo: e.repo.fullName,
      number: e.number,
      head: e.head,
      base: e.base,
      headSha: e.headSha,
      ...(e.mergeSha ? { mergeSha: e.mergeSha } : {}),
      by: 'webhook',
    });
    log.info({ action: e.action, pr: e.number }, 'gitops pull request');
    return { acted: ['onGitopsEvent'] };
  };
}
