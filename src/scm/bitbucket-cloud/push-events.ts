import { ZERO_SHA, type HeadCommit, type PushEvent } from '../../core/push-event.js';
import type { WebhookContext } from '../contracts.js';
import type { BitbucketChange, BitbucketPush, BitbucketRef } from './payload.js';

/**
 * One `PushEvent` per changed ref: a single `repo:push` delivery can move several branches and
 * tags. The first keeps the delivery id, later ones get `<id>#<n>` so each is queued once.
 */
export function bitbucketCloudPushEvents(body: BitbucketPush, deliveryId: string, ctx: WebhookContext): PushEvent[] {
  const fullName = body.repository.full_name;
  // The payload carries web links but no clone URL; both are built from the configured host.
  const repo = { fullName, cloneUrl: `${ctx.hostUrl}/${fullName}.git`, webUrl: `${ctx.hostUrl}/${fullName}` };
  const actor = body.actor;
  const pusher = actor?.nickname ?? actor?.username ?? actor?.display_name ?? 'unknown';
  return body.push.changes.flatMap((change, n) => {
    const ref = change.new ?? change.old;
    const refType = ref ? kindOf(ref) : undefined;
    if (!ref || !refType) return [];
    const deleted = !change.new;
    const event: PushEvent = {
      host: ctx.hostName,
      scm: 'bitbucket-cloud',
      deliveryId: n === 0 ? deliveryId : `${deliveryId}#${n}`,
      repo,
      ref: `${refType === 'branch' ? 'refs/heads/' : 'refs/tags/'}${ref.name}`,
      refType,
      refName: ref.name,
      before: change.old?.target.hash ?? ZERO_SHA,
      after: change.new?.target.hash ?? ZERO_SHA,
      created: !change.old,
      deleted,
      forced: change.forced ?? false,
      pusher,
      ...headCommit(change, repo.webUrl),
      // Bitbucket lists at most a few commits per change and says when it cut the list.
      ...(change.truncated && !deleted ? { commitsTruncated: true } : {}),
      receivedAt: ctx.now,
    };
    return [event];
  });
}

function kindOf(ref: BitbucketRef): 'branch' | 'tag' | undefined {
  if (ref.type === 'branch' || ref.type === 'named_branch') return 'branch';
  if (ref.type === 'tag' || ref.type === 'annotated_tag') return 'tag';
  return undefined;
}

function headCommit(change: BitbucketChange, webUrl: string): { headCommit?: HeadCommit } {
  const target = change.new?.target;
  if (!target) return {};
  // Built rather than copied: sample payloads link a different commit than `hash`.
  const url = `${webUrl}/commits/${target.hash}`;
  const a = target.author;
  // `raw` is "Name <email>"; keep the name only, like the other SCMs' author field.
  const author = a?.user?.display_name ?? a?.display_name ?? a?.raw?.replace(/\s*<[^>]*>\s*$/, '');
  return { headCommit: { id: target.hash, message: target.message ?? '', url, ...(author ? { author } : {}) } };
}
