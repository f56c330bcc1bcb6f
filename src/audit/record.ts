import type { PushEvent } from '../core/push-event.js';
import type { PullRequestEvent } from '../core/review-events.js';

/**
 * Where a delivery stands, derived from what the workers reported (never stored as such).
 * `duplicate`: nothing was queued because the delivery repeated an earlier one's signed body.
 */
export type DeliveryStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'duplicate';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'duplicate',
];

export interface TaskRecord {
  task: string;
  kind: string;
  description: string;
  envId?: string;
  /** gitops tasks: pending until their environment's run settles this push. */
  outcome: 'pending' | 'updated' | 'up-to-date' | 'superseded' | 'failed' | 'done';
  prUrl?: string;
  error?: string;
}

/** One delivery as `GET /api/deliveries/:id` shows it. */
export interface DeliveryRecord {
  id: string;
  host: string;
  deliveryId: string;
  receivedAt: string;
  repo: string;
  /** A pull request's delivery: its head branch (`refs/heads/<head>`). */
  ref: string;
  commit: string;
  pusher: string;
  /** Set when the delivery was a pull request's (`pull_request` actions), not a push. */
  pullRequest?: { number: number; head: string; base: string; fork: boolean; action: PullRequestEvent['action'] };
  message?: string;
  status: DeliveryStatus;
  /** Set when this delivery was a replay: the same signed body as delivery `of` (an audit id). */
  duplicate?: { of: string; reason: 'replay'; message: string };
  dispatchfileFound?: boolean;
  /** The commit planned: the ref's tip when the push was processed (may differ from `commit`). */
  planned?: string;
  /** Why nothing was deployed: covered by a later plan, ref deleted, commit not on its ref. */
  skipped?: string;
  tasks: TaskRecord[];
  prUrls: string[];
  errors: string[];
  retries: number;
  /** Errors of earlier attempts, kept when the delivery is retried. */
  history: { retriedAt: string; status: DeliveryStatus; errors: string[] }[];
}

/** The hash fields one delivery is kept as; each writer owns its fields, so no write races. */
export interface StoredFields {
  event: PushEvent;
  /** A pull request's delivery as received (`event` is its head as a push): a retry plans it again as one. */
  pullRequest?: PullRequestEvent;
  /** What the push worker planned; a retry never reads a receipt number from here (it takes a fresh one). */
  plan?: { found?: boolean; tasks?: Omit<TaskRecord, 'outcome'>[]; error?: string; skipped?: string; commit?: string };
  runs: Record<string, { outcome: TaskRecord['outcome']; prUrl?: string; error?: string }>;
  failure?: string;
  /** Audit id of the delivery whose signed body this one repeated. */
  replayOf?: string;
  retries: number;
  history: DeliveryRecord['history'];
}

export const auditId = (host: string, deliveryId: string) => `${host}:${deliveryId}`;

export function toRecord(id: string, f: StoredFields): DeliveryRecord {
  const e = f.event;
  const tasks: TaskRecord[] = (f.plan?.tasks ?? []).map((t) => {
    const run = t.envId ? f.runs[t.envId] : undefined;
    return {
      ...t,
      outcome: run?.outcome ?? (t.envId ? 'pending' : 'done'),
      ...(run?.prUrl ? { prUrl: run.prUrl } : {}),
      ...(run?.error ? { error: run.error } : {}),
    };
  });
  const errors = [f.failure, f.plan?.error, ...tasks.map((t) => t.error)].filter((x): x is string => Boolean(x));
  return {
    id,
    host: e.host,
    deliveryId: e.deliveryId,
    receivedAt: new Date(e.receivedAt).toISOString(),
    repo: e.repo.fullName,
    ref: e.ref,
    commit: e.after,
    pusher: e.pusher,
    ...(f.pullRequest ? { pullRequest: pullRequestOf(f.pullRequest) } : {}),
    ...(e.headCommit?.message ? { message: e.headCommit.message.split('\n')[0] } : {}),
    status: f.replayOf ? 'duplicate' : statusOf(f, tasks, errors),
    ...(f.replayOf
      ? {
          duplicate: {
            of: f.replayOf,
            reason: 'replay' as const,
            message: `a replay of the same signed body as delivery ${f.replayOf}, under a new delivery id within replayWindow: nothing was queued`,
          },
        }
      : {}),
    ...(f.plan?.found !== undefined ? { dispatchfileFound: f.plan.found } : {}),
    ...(f.plan?.commit ? { planned: f.plan.commit } : {}),
    ...(f.plan?.skipped ? { skipped: f.plan.skipped } : {}),
    tasks,
    prUrls: [...new Set(tasks.flatMap((t) => (t.prUrl ? [t.prUrl] : [])))],
    errors,
    retries: f.retries,
    history: f.history,
  };
}

const pullRequestOf = (p: PullRequestEvent): NonNullable<DeliveryRecord['pullRequest']> => ({
  number: p.number,
  head: p.head,
  base: p.base,
  fork: p.fork,
  action: p.action,
});

/**
 * `failed` (and so retryable) when the plan errored (`plan.error`: a refused Dispatchfile read, a
 * bad Dispatchfile), a GitOps run for one of its tasks failed (a task's `error`), or its push job
 * failed for good without a plan (`failure`: a passing fault outlasting the retry horizon).
 */
function statusOf(f: StoredFields, tasks: TaskRecord[], errors: string[]): DeliveryStatus {
  if (errors.length > 0) return 'failed';
  if (!f.plan) return 'queued';
  if (f.plan.found === false || tasks.length === 0) return 'skipped';
  return tasks.some((t) => t.outcome === 'pending') ? 'running' : 'succeeded';
}
