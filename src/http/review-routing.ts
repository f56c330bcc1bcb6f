import type { DispatchdConfig } from '../config/schema.js';
import type { ReviewEvent } from '../core/review-events.js';

/**
 * Why a verified pull-request or status webhook is not for dispatchd, or undefined when it is:
 * it must concern a GitOps repository dispatchd writes to (its merges and statuses feed merge
 * when green and promotion) or a configured source repository (its pull requests may fire
 * Dispatchfile `pull_request` actions).
 */
export function reviewIgnoredBecause(config: DispatchdConfig, host: string, e: ReviewEvent): string | undefined {
  const name = e.repo.fullName;
  if (config.gitops.some((g) => g.repo === `${host}:${name}`)) return undefined;
  if (config.repositories.some((r) => r.host === host && r.repo === name)) return undefined;
  return `repository ${name} is neither a GitOps repository in gitops[] nor a source repository in repositories[] for host ${host}: its ${e.kind} events are not acted on`;
}
