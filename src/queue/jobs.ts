import type { PollSettings } from '../config/poll.js';
import type { PushEvent } from '../core/push-event.js';
import type { ReviewEvent } from '../core/review-events.js';

/** An `events` job: one pushed ref, with its receipt sequence number (orders pushes). */
export interface PushJob {
  event: PushEvent;
  seq: number;
}

/** A `review` job on the events queue: one pull-request or status webhook, acted on once. */
export interface ReviewJob {
  review: ReviewEvent;
  seq: number;
}

export function reviewJobId(host: string, deliveryId: string, hash: (s: string) => string): string {
  return `review-${host}-${hash(deliveryId)}`;
}

/** A `gitops` job names only the environment; its work is whatever is newest for it then. */
export interface GitopsJob {
  envId: string;
}

/** BullMQ job ids may not contain ':'; delivery ids are free text, so they are hashed. */
export function pushJobId(host: string, deliveryId: string, hash: (s: string) => string): string {
  return `push-${host}-${hash(deliveryId)}`;
}

/**
 * A `merge` job on the gitops queue: merge one pull request once the checks on `headSha` pass.
 * It re-schedules itself as a delayed job between looks; `since` bounds the wait.
 */
export interface MergeJob {
  host: string;
  repo: string;
  number: number;
  /** The head commit whose checks decide; a newer head has a job of its own. */
  headSha: string;
  method: 'merge' | 'squash' | 'rebase';
  requiredChecks: string[];
  timeoutMs: number;
  since: number;
  looks: number;
  /** Whether the SCM's own auto-merge may take over (merge.native); absent in older jobs: no. */
  native?: boolean;
  /**
   * `on` once the SCM took the request, `off` once it refused it (asked once per job), `withheld`
   * while the SCM would not wait for every required context (any auto-merge on the PR taken back).
   */
  autoMerge?: 'on' | 'off' | 'withheld';
  /** How often to look again (the repository's `poll` setting); jobs queued before it existed use 1 s → 1 min. */
  poll?: PollSettings;
}

/** One job per pull request and head commit: re-asking for the same head adds nothing. */
export function mergeJobId(
  j: Pick<MergeJob, 'host' | 'repo' | 'number' | 'headSha'>,
  hash: (s: string) => string,
): string {
  return `merge-${hash(`${j.host}\n${j.repo}\n${j.number}\n${j.headSha}`)}`;
}
