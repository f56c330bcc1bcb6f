import { z } from 'zod';
import { WebhookError } from '../../core/errors.js';
import { ZERO_SHA, type ParsedWebhook } from '../../core/push-event.js';
import type { WebhookParser } from '../contracts.js';
import { verifyStandardWebhook } from '../signature.js';
import { parsePayload, splitRef } from '../payload.js';

/**
 * The body our `post-receive` hook (scripts/git-post-receive) sends, one request per ref.
 * `repo` is the repository's path below the host's `url`, e.g. `acme/app.git`.
 */
const GitPush = z.object({
  repo: z
    .string()
    .min(1)
    .refine((r) => !r.split('/').includes('..') && !r.startsWith('/'), 'must be a relative path without ".."'),
  ref: z.string().min(1),
  before: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-hex commit id'),
  after: z.string().regex(/^[0-9a-f]{40}$/, 'a 40-hex commit id'),
  pusher: z.string().default('unknown'),
  changedPaths: z.array(z.string()).optional(),
});

export function plainGitWebhookParser(): WebhookParser {
  return {
    kind: 'git',
    headers: { delivery: ['webhook-id'], event: 'x-dispatchd-event' },
    verify(req, ctx) {
      return [verifyStandardWebhook(req.headers, req.rawBody, ctx.secrets, ctx.now)];
    },
    deliveryId(req) {
      const id = req.headers['webhook-id'];
      if (!id)
        throw new WebhookError(
          400,
          'delivery_id_missing',
          'missing webhook-id header: use scripts/git-post-receive or sign as Standard Webhooks',
        );
      return id;
    },
    parse(req, ctx): ParsedWebhook {
      const event = req.headers['x-dispatchd-event'] ?? 'push';
      if (event === 'ping')
        return { kind: 'ping', message: 'pong: the hook reaches dispatchd and its signature checks out' };
      if (event !== 'push') return { kind: 'ignored', reason: `event "${event}" is not acted on: send "push"` };
      const p = parsePayload(req.rawBody, GitPush, 'git push');
      const ref = splitRef(p.ref);
      if (!ref) return { kind: 'ignored', reason: `ref ${p.ref} is neither a branch nor a tag` };
      const repoUrl = `${ctx.hostUrl}/${p.repo}`;
      return {
        kind: 'push',
        events: [
          {
            host: ctx.hostName,
            scm: 'git',
            deliveryId: this.deliveryId(req),
            repo: { fullName: p.repo, cloneUrl: repoUrl, webUrl: repoUrl },
            ref: p.ref,
            ...ref,
            before: p.before,
            after: p.after,
            created: p.before === ZERO_SHA,
            deleted: p.after === ZERO_SHA,
            forced: false,
            pusher: p.pusher,
            ...(p.changedPaths ? { changedPaths: p.changedPaths } : {}),
            receivedAt: ctx.now,
          },
        ],
      };
    },
  };
}
