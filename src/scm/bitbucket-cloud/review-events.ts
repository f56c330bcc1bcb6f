import { z } from 'zod';
import type { ParsedWebhook, RepoRef } from '../../core/push-event.js';
import type { PullRequestAction } from '../../core/review-events.js';
import { fromBuildStatus } from '../bitbucket-build-status.js';
import type { WebhookContext } from '../contracts.js';
import { parsePayload } from '../payload.js';

const Repository = z.object({ full_name: z.string() });

const PullRequestHook = z.object({
  pullrequest: z.object({
    id: z.number().int(),
    source: z.object({
      branch: z.object({ name: z.string() }),
      commit: z.object({ hash: z.string() }),
      repository: Repository.nullish(),
    }),
    destination: z.object({ branch: z.object({ name: z.string() }), repository: Repository.nullish() }),
    merge_commit: z.object({ hash: z.string() }).nullish(),
  }),
  repository: Repository,
});

const CommitStatusHook = z.object({
  commit_status: z.object({
    key: z.string(),
    name: z.string().nullish(),
    state: z.string(),
    url: z.string().nullish(),
    description: z.string().nullish(),
    updated_on: z.string().optional(),
    links: z.object({ commit: z.object({ href: z.string() }) }),
  }),
  repository: Repository,
});

// pullrequest:updated also fires for title edits; it is reported as `updated` all the same.
const ACTIONS: Record<string, PullRequestAction> = {
  'pullrequest:created': 'opened',
  'pullrequest:updated': 'updated',
  'pullrequest:fulfilled': 'merged',
  'pullrequest:rejected': 'closed',
};

const repoRef = (fullName: string, ctx: WebhookContext): RepoRef => ({
  fullName,
  cloneUrl: `${ctx.hostUrl}/${fullName}.git`,
  webUrl: `${ctx.hostUrl}/${fullName}`,
});

/** Bitbucket Cloud's pull request and commit status events; undefined for others. */
export function parseBitbucketCloudReview(
  event: string,
  rawBody: Buffer,
  deliveryId: string,
  ctx: WebhookContext,
): ParsedWebhook | undefined {
  const base = { host: ctx.hostName, scm: 'bitbucket-cloud' as const, deliveryId, receivedAt: ctx.now };
  const action = ACTIONS[event];
  if (action) {
    const p = parsePayload(rawBody, PullRequestHook, `Bitbucket Cloud ${event}`);
    const pr = p.pullrequest;
    const from = pr.source.repository?.full_name;
    return {
      kind: 'review',
      event: {
        kind: 'pull-request',
        ...base,
        repo: repoRef(p.repository.full_name, ctx),
        action,
        number: pr.id,
        head: pr.source.branch.name,
        base: pr.destination.branch.name,
        headSha: pr.source.commit.hash,
        fork: from !== undefined && from !== (pr.destination.repository?.full_name ?? p.repository.full_name),
        ...(action === 'merged' && pr.merge_commit ? { mergeSha: pr.merge_commit.hash } : {}),
      },
    };
  }
  if (event === 'repo:commit_status_created' || event === 'repo:commit_status_updated') {
    const p = parsePayload(rawBody, CommitStatusHook, `Bitbucket Cloud ${event}`);
    // The status names its commit only by link: …/commit/<hash>.
    const sha = p.commit_status.links.commit.href.split('/').pop() ?? '';
    const { status } = fromBuildStatus(p.commit_status);
    return {
      kind: 'review',
      event: { kind: 'status', ...base, repo: repoRef(p.repository.full_name, ctx), sha, status },
    };
  }
  return undefined;
}
