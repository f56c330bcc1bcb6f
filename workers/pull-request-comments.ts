import type { Job } from 'bullmq';
import type { CommentedPull, CommentEvent, PullRequestEvent } from '../src/core/review-events.js';
import type { ReviewJob } from '../src/queue/jobs.js';
import { pullRequestPlanKey } from '../src/queue/ref-plans.js';
import { pullsOf } from '../src/scm/pull-request-part.js';
import type { PushResult, PushWorkerDeps } from './plan-runner.js';
import type { PullRequestPlanner } from './pull-requests.js';

/**
 * Plans a chatops command on a source repository's pull request exactly as an `updated` event
 * of it: the base tip's Dispatchfile, its `pull_request` actions whose `chatops` matches the
 * command (and those without `chatops`, as in Dispatch), the head branch's tip, forks refused,
 * grants' `pullRequests`. A closed one plans nothing. Only a command that will plan is ordered
 * with the pull request's other events, as received now: it plans the head's tip with its
 * command, so older queued events of the pull request skip; a refused command leaves them be.
 */
export function createCommentPlanner(
  deps: Pick<PushWorkerDeps, 'providers' | 'refPlans' | 'log'>,
  planPull: PullRequestPlanner,
) {
  return async function planComment(job: Job<ReviewJob>, e: CommentEvent): Promise<PushResult | { ignored: string }> {
    const refused = await authorRefused(deps, e);
    if (refused !== undefined) {
      deps.log.info({ deliveryId: e.deliveryId, repo: e.repo.fullName, number: e.number, refused }, 'chatops refused');
      return { ignored: refused };
    }
    const pull = e.pull ?? (await readPull(deps, e));
    if (pull === undefined)
      return {
        ignored: `pull request #${e.number}: the SCM did not say its head commit, so ${e.command} plans nothing`,
      };
    if (!pull.open) return { ignored: `pull request #${e.number} is not open: ${e.command} plans nothing` };
    const updated: PullRequestEvent = {
      kind: 'pull-request',
      host: e.host,
      scm: e.scm,
      deliveryId: e.deliveryId,
      repo: e.repo,
      action: 'updated',
      number: e.number,
      head: pull.head,
      base: pull.base,
      headSha: pull.headSha,
      fork: pull.fork,
      ...(pull.labels ? { labels: pull.labels } : {}),
      comment: e.command,
      receivedAt: e.receivedAt,
    };
    return planPull(job, updated, await deps.refPlans.receive(pullRequestPlanKey(e)));
  };
}
export type CommentPlanner = ReturnType<typeof createCommentPlanner>;

/**
 * Why the author may not run a command, as the SCM says now (GitLab's members; GitHub's
 * permission, which an OWNER, MEMBER or COLLABORATOR association does not settle): read when
 * planned, so access taken away since the comment counts. Undefined: they may.
 */
async function authorRefused(deps: Pick<PushWorkerDeps, 'providers'>, e: CommentEvent): Promise<string | undefined> {
  // A GitHub comment queued before authors were checked carries no checkAuthor: its login is the id.
  const id = e.checkAuthor?.id ?? (e.scm === 'github' ? e.author : undefined);
  if (id === undefined) return undefined;
  const pulls = pullsOf(deps.providers.for(e.host), e.host);
  if (!pulls.writeAccess)
    return `${e.command} by ${e.author}: ${e.host} cannot say who may write to ${e.repo.fullName}, so no chatops command runs`;
  const access = await pulls.writeAccess(e.repo.fullName, id);
  return access.allowed ? undefined : `${e.author} ${access.said}: ${e.command} runs nothing`;
}

/** GitHub's comment event names no head: the pull request as the SCM has it now. */
async function readPull(deps: Pick<PushWorkerDeps, 'providers'>, e: CommentEvent): Promise<CommentedPull | undefined> {
  const pr = await pullsOf(deps.providers.for(e.host), e.host).getPullRequest(e.repo.fullName, e.number);
  if (pr.headSha === undefined) return undefined;
  return {
    head: pr.head,
    base: pr.base,
    headSha: pr.headSha,
    // Unknown counts as a fork: nothing of it is planned.
    fork: pr.fork ?? true,
    ...(pr.labels ? { labels: pr.labels } : {}),
    open: pr.state === 'open',
  };
}
