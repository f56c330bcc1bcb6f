import type { ApplyResult } from '../gitops/apply.js';
import type { PushEvent } from '../core/push-event.js';
import type { PullRequestEvent } from '../core/review-events.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { PendingStatus } from '../queue/environments.js';

/** What the push worker reports once per planned (or failed) push. */
export interface PlanReport {
  event: PushEvent;
  /** Set when the plan was a pull request's (`event` is then its head as a push): a retry re-plans it as one. */
  pullRequest?: PullRequestEvent;
  seq: number;
  jobId: string;
  found?: boolean;
  tasks?: { task: string; kind: string; description: string; envId?: string }[];
  error?: string;
  /** Why nothing was deployed (covered by a newer plan, ref deleted, commit not on the ref). */
  skipped?: string;
  /** The commit planned: the ref's tip when the push was processed. */
  commit?: string;
  durationMs: number;
}

/** What the GitOps worker reports once per environment run. */
export interface GitopsReport {
  envId: string;
  spec: EnvUpdateSpec;
  seq: number;
  result?: ApplyResult;
  error?: string;
  /** Status lines settled by this run: the push it applied and the older ones it superseded. */
  settled: PendingStatus[];
  durationMs: number;
}

/**
 * Hooks the workers and the receiver call so that metrics and the audit trail can follow a
 * delivery without the workers knowing about either. Every method is optional and must not throw.
 */
export interface Observer {
  webhook?(o: { host: string; outcome: string; status: number; events?: PushEvent[]; deliveryId?: string }): void;
  planned?(r: PlanReport): void | Promise<void>;
  gitopsRun?(r: GitopsReport): void | Promise<void>;
}
