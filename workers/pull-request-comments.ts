import type { Job } from 'bullmq';
import type { CommentedPull, CommentEvent, PullRequestEvent } from '../src/core/review-events.js';
import type { ReviewJob } from '../src/queue/jobs.js';
import { pullsOf } from '../src/scm/pull-request-part.js';
import type { PushResult, PushWorkerDeps } from './plan-runner.js';
import type { PullRequestPlanner } from './pull-requests.js';

/**
 * Plans a chatops command on a source repository's pull request exactly as an `updated` event
 * of it: the base tip's Dispatchfile, its `pull_request` actions whose `chatops` matches the
 * command (and those without `chatops`, as in Dispatch), the head branch's tip, forks refused,
 * grants' `pullRequests`, ordered with the pull request's other events. A closed one plans nothing.
 */
export function createCommentPlanner(deps: Pick<PushWorkerDeps, 'providers'>, planPull: PullRequestPlanner) {
  return async function planComment(job: Job<ReviewJob>, e: CommentEvent): Promise<PushResult | { ignored: string }> {
    const refused = await authorRefused(deps, e);
    if (refused !== undefined) return { ignored: refused };
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
    return planPull(job, updated);
  };
}
export type CommentPlanner = ReturnType<typeof createCommentPlanner>;

/**
 * Why the author may not run a command, when the payload left it to the SCM (GitLab; a GitHub
 * MEMBER or COLLABORATOR): their role
 * read now, so access taken away since the comment counts. Undefined: they may.
 */
async function authorRefused(deps: Pick<PushWorkerDeps, 'providers'>, e: CommentEvent): Promise<string | undefined> {
  if (!e.checkAuthor) return undefined;
  const pulls = pullsOf(deps.providers.for(e.host), e.host);
  if (!pulls.writeAccess)
    return `${e.command} by ${e.author}: ${e.host} cannot say who may write to ${e.repo.fullName}, so no chatops command runs`;
  const access = await pulls.writeAccess(e.repo.fullName, e.checkAuthor.id);
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
