import { TransientError } from '../src/core/errors.js';
import { publicText } from '../src/core/public-text.js';
import type { Logger } from '../src/log/logger.js';
import type { CommitStatus } from '../src/scm/contracts.js';
import type { EnvUpdateSpec } from '../src/core/env-update.js';
import type { Providers } from '../src/scm/providers.js';
import type { StatusMemory } from '../src/queue/status-memory.js';

/**
 * The status context of a push's plan on the source commit; each task's is `dispatchd/<task>`.
 * A pull request's plan has its own (`dispatchd/pr`, `dispatchd/pr/<task>`): its head commit is
 * often a branch tip that pushes plan too, and neither should overwrite the other's verdict.
 */
export const PUSH_STATUS_CONTEXT = 'dispatchd';
export const PULL_REQUEST_STATUS_CONTEXT = 'dispatchd/pr';

/** Passing faults on a status call are retried in place this many times, waits capped. */
const STATUS_ATTEMPTS = 4;
const MAX_STATUS_WAIT_MS = 10_000;
/** GitHub keeps 140 characters; a short reason is all a public status should carry. */
export const MAX_STATUS_DESCRIPTION = 140;

/** Where a status links when it has no pull request to link to. */
export interface StatusLink {
  /** Config `publicUrl`: the dashboard's base. Without it no link is made. */
  publicUrl?: string;
  /** The delivery's audit id (`<host>:<delivery id>`, src/audit/record.ts), which the dashboard opens. */
  auditId?: string;
}

/** The pending status of a push that waits for an operator's resume. */
export const pausedDescription = (spec: Pick<EnvUpdateSpec, 'envDir' | 'target'>) =>
  `paused: an operator paused ${spec.envDir || '/'} of ${spec.target.fullName}; the newest push is applied on resume`;

/** What dispatchd said before on commit statuses, and the plan stamp this status reports on. */
export interface StatusRecall {
  memory: StatusMemory;
  seq: number;
}

/** The dashboard's view of one delivery, where the full reason is (behind the admin token). */
export function deliveryLink(publicUrl: string, auditId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#delivery=${encodeURIComponent(auditId)}`;
}

/**
 * What a commit status may say in public (statuses of public repositories are public): the
 * reason with no URL (configured hosts' addresses, API endpoints, git remotes) and at most 140
 * characters. The full reason stays in the audit trail behind the admin token.
 */
export function publicDescription(description: string): string {
  return publicText(description, MAX_STATUS_DESCRIPTION);
}

/**
 * Sets a commit status. A passing fault (5xx, 429 with Retry-After) is retried in place a few
 * times; past that, or on a permanent refusal, it is logged rather than failing the job: a status
 * is a report, and losing one must not undo (or redo) the GitOps change it reports on.
 * The description is made public-safe (`publicDescription`); with `link.publicUrl` and
 * `link.auditId`, a status without a pull request links to the delivery in the dashboard.
 * With `recall`, a status saying what was already said is not posted again, nor a pending one
 * once a final state was posted for the same or newer work.
 */
export async function setStatus(
  providers: Providers,
  log: Logger,
  host: string,
  repo: string,
  sha: string,
  status: CommitStatus,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  link: StatusLink = {},
  recall?: StatusRecall,
): Promise<void> {
  const sent: CommitStatus = { ...status, description: publicDescription(status.description) };
  if (!sent.targetUrl && link.publicUrl && link.auditId) sent.targetUrl = deliveryLink(link.publicUrl, link.auditId);
  const said = recall && {
    seq: recall.seq,
    state: sent.state,
    description: sent.description,
    ...(sent.targetUrl ? { targetUrl: sent.targetUrl } : {}),
  };
  // Redis trouble must not cost the status: without the memory it is simply posted.
  const post = said ? await recall.memory.claim(host, repo, sha, sent.context, said).catch(() => true) : true;
  if (!post) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await providers.for(host).setStatus(repo, sha, sent);
      return;
    } catch (err) {
      if (err instanceof TransientError && attempt < STATUS_ATTEMPTS) {
        await sleep(Math.min(err.retryAfterMs ?? 500 * 2 ** (attempt - 1), MAX_STATUS_WAIT_MS));
        continue;
      }
      log.warn(
        { err: (err as Error).message, host, repo, sha, context: status.context, attempts: attempt },
        'could not set commit status',
      );
      if (said) await recall.memory.forget(host, repo, sha, sent.context, said).catch(() => undefined);
      return;
    }
  }
}
