import { z } from 'zod';
import type { ParsedWebhook } from '../../core/push-event.js';
import type { PullRequestAction } from '../../core/review-events.js';
import type { WebhookContext } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { BitbucketServerRepository } from './payload.js';
import { bitbucketServerRepoRef } from './repo-ref.js';

const Ref = z.object({ id: z.string(), latestCommit: z.string(), repository: BitbucketServerRepository });

const PullRequestHook = z.object({
  pullRequest: z.object({
    id: z.number().int(),
    fromRef: Ref,
    toRef: Ref,
    properties: z.object({ mergeCommit: z.object({ id: z.string() }).nullish() }).nullish(),
  }),
});

// Bitbucket Server sends no build-status events: merge jobs poll it (docs/scm.md).
const ACTIONS: Record<string, PullRequestAction> = {
  'pr:opened': 'opened',
  'pr:from_ref_updated': 'updated',
  'pr:merged': 'merged',
  'pr:declined': 'closed',
  'pr:deleted': 'closed',
};

const branch = (ref: string) => ref.replace(/^refs\/heads\//, '');

/** Bitbucket Server's pull request events; undefined for others. */
export function parseBitbucketServerReview(
  event: string,
  rawBody: Buffer,
  deliveryId: string,
  ctx: WebhookContext,
): ParsedWebhook | undefined {
  const action = ACTIONS[event];
  if (!action) return undefined;
  const p = parsePayload(rawBody, PullRequestHook, `Bitbucket Server ${event}`);
  const pr = p.pullRequest;
  const repo = bitbucketServerRepoRef(pr.toRef.repository, ctx.hostUrl);
  const from = bitbucketServerRepoRef(pr.fromRef.repository, ctx.hostUrl);
  const mergeSha = pr.properties?.mergeCommit?.id;
  return {
    kind: 'review',
    event: {
      kind: 'pull-request',
      host: ctx.hostName,
      scm: 'bitbucket-server',
      deliveryId,
      receivedAt: ctx.now,
      repo,
      action,
      number: pr.id,
      head: branch(pr.fromRef.id),
      base: branch(pr.toRef.id),
      headSha: pr.fromRef.latestCommit,
      fork: from.fullName !== repo.fullName,
      ...(action === 'merged' && mergeSha ? { mergeSha } : {}),
    },
  };
}
