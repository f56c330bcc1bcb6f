import { z } from 'zod';
import { WebhookError } from '../../core/errors.js';
import { ZERO_SHA, type ParsedWebhook } from '../../core/push-event.js';
import type { WebhookContext, WebhookParser, WebhookRequest } from '../contracts.js';
import { verifyHubSignature } from '../signature.js';
import { parsePayload, pathsOf, splitRef } from '../payload.js';
import { parseGithubReview } from './review-events.js';

const Commit = z.object({
  id: z.string(),
  message: z.string().default(''),
  url: z.string().optional(),
  author: z.object({ name: z.string().optional(), username: z.string().optional() }).partial().optional(),
  added: z.array(z.string()).nullish(),
  modified: z.array(z.string()).nullish(),
  removed: z.array(z.string()).nullish(),
});

const GithubPush = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  created: z.boolean().default(false),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  commits: z.array(Commit).nullish(),
  head_commit: Commit.nullish(),
  repository: z.object({ full_name: z.string(), clone_url: z.string(), html_url: z.string() }),
  pusher: z.object({ name: z.string().optional(), login: z.string().optional() }).partial().nullish(),
  sender: z.object({ login: z.string() }).partial().nullish(),
});

/** GitHub caps the commit list of a push payload; a full list means there may be more. */
const GITHUB_MAX_COMMITS = 2048;

export function githubWebhookParser(): WebhookParser {
  return {
    kind: 'github',
    verify(req: WebhookRequest, ctx: WebhookContext) {
      return [verifyHubSignature(req.headers['x-hub-signature-256'], 'X-Hub-Signature-256', req.rawBody, ctx.secrets)];
    },
    deliveryId(req) {
      const id = req.headers['x-github-delivery'];
      if (!id)
        throw new WebhookError(
          400,
          'delivery_id_missing',
          'missing X-GitHub-Delivery header: send webhooks as GitHub does',
        );
      return id;
    },
    parse(req, ctx): ParsedWebhook {
      const event = req.headers['x-github-event'];
      if (!event)
        throw new WebhookError(400, 'event_missing', 'missing X-GitHub-Event header: send webhooks as GitHub does');
      if (event === 'ping')
        return { kind: 'ping', message: 'pong: the webhook reaches dispatchd and its signature checks out' };
      if (event !== 'push') {
        const review = parseGithubReview(event, req.rawBody, {
          host: ctx.hostName,
          deliveryId: this.deliveryId(req),
          receivedAt: ctx.now,
        });
        return (
          review ?? {
            kind: 'ignored',
            reason: `GitHub event "${event}" is not acted on: dispatchd needs "push", and "pull_request", "status" and "check_run" for merges and promotion`,
          }
        );
      }
      const p = parsePayload(req.rawBody, GithubPush, 'GitHub push');
      const ref = splitRef(p.ref);
      if (!ref) return { kind: 'ignored', reason: `ref ${p.ref} is neither a branch nor a tag` };
      const deleted = p.deleted || p.after === ZERO_SHA;
      const commits = p.commits ?? [];
      const head = p.head_commit ?? undefined;
      return {
        kind: 'push',
        events: [
          {
            host: ctx.hostName,
            scm: 'github',
            deliveryId: this.deliveryId(req),
            repo: { fullName: p.repository.full_name, cloneUrl: p.repository.clone_url, webUrl: p.repository.html_url },
            ref: p.ref,
            ...ref,
            before: p.before,
            // For an annotated tag `after` is the tag object; head_commit is the commit to build.
            after: deleted ? p.after : (head?.id ?? p.after),
            created: p.created,
            deleted,
            forced: p.forced,
            pusher: p.pusher?.name ?? p.pusher?.login ?? p.sender?.login ?? 'unknown',
            ...(head
              ? {
                  headCommit: {
                    id: head.id,
                    message: head.message,
                    ...(head.url ? { url: head.url } : {}),
                    ...(head.author?.name ? { author: head.author.name } : {}),
                  },
                }
              : {}),
            ...(commits.length > 0 ? { changedPaths: pathsOf(commits) } : {}),
            ...(commits.length >= GITHUB_MAX_COMMITS ? { commitsTruncated: true } : {}),
            receivedAt: ctx.now,
          },
        ],
      };
    },
  };
}
