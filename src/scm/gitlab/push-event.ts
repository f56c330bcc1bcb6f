import { ZERO_SHA, type HeadCommit, type PushEvent } from '../../core/push-event.js';
import type { WebhookContext } from '../contracts.js';
import { splitRef } from '../payload.js';
import { changedPaths } from './changed-paths.js';
import type { GitlabPush } from './payload.js';

/** A GitLab push or tag push body as one `PushEvent`, or the reason it is not one. */
export function gitlabPushEvent(
  body: GitlabPush,
  deliveryId: string,
  ctx: WebhookContext,
): PushEvent | { ignored: string } {
  const ref = splitRef(body.ref);
  if (!ref) return { ignored: `push to ${body.ref}, which is neither a branch nor a tag` };
  const project = body.project;
  // For an annotated tag `after` is the tag object; `checkout_sha` is the commit it points at.
  // GitLab sends `checkout_sha: null` when the ref was removed.
  const deleted = body.after === ZERO_SHA || body.checkout_sha === null;
  const after = deleted ? ZERO_SHA : (body.checkout_sha ?? body.after);
  const commits = body.commits ?? [];
  const head = commits.find((c) => c.id === after);
  const headCommit: HeadCommit | undefined = head && {
    id: head.id,
    message: head.message ?? '',
    ...(head.url ? { url: head.url } : {}),
    ...(head.author?.name ? { author: head.author.name } : {}),
  };
  const paths = deleted ? undefined : changedPaths(commits);
  // GitLab lists at most 20 commits and says how many there were.
  const truncated = body.total_commits_count != null && body.total_commits_count > commits.length && !deleted;
  return {
    host: ctx.hostName,
    scm: 'gitlab',
    deliveryId,
    repo: {
      fullName: project.path_with_namespace,
      cloneUrl:
        project.git_http_url ??
        project.http_url ??
        body.repository?.git_http_url ??
        `${ctx.hostUrl}/${project.path_with_namespace}.git`,
      webUrl: project.web_url ?? body.repository?.homepage ?? `${ctx.hostUrl}/${project.path_with_namespace}`,
    },
    ref: body.ref,
    ...ref,
    before: body.before,
    after,
    created: body.before === ZERO_SHA && !deleted,
    deleted,
    // GitLab's push payload does not say whether a push was forced.
    forced: false,
    pusher: body.user_username ?? body.user_name ?? 'unknown',
    ...(headCommit ? { headCommit } : {}),
    ...(paths ? { changedPaths: paths } : {}),
    ...(truncated ? { commitsTruncated: true } : {}),
    receivedAt: ctx.now,
  };
}
