import { bodyObject, requireRepo, stringAt, timestamp, type CloudContext, type CloudRoute } from '../context.js';
import { findPull } from '../pull-view.js';
import { bitbucketError } from '../shapes.js';

/** POST a pull-request comment (`content.raw`, Markdown). */
export function commentRoutes(ctx: CloudContext): CloudRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_request_id);
        const raw = stringAt(bodyObject(req), 'content', 'raw');
        if (!raw) throw bitbucketError(400, 'Bad request', { fields: { content: ['This field is required.'] } });
        const comment = {
          id: ctx.store.nextId(),
          pullRequestId: pull.id,
          raw,
          user: req.principal.displayName,
          createdOn: timestamp(ctx),
        };
        r.state.comments.push(comment);
        const href = `${ctx.base.apiUrl}/repositories/${r.fullName}/pullrequests/${pull.id}/comments/${comment.id}`;
        return {
          status: 201,
          headers: { location: href },
          body: {
            type: 'pullrequest_comment',
            id: comment.id,
            content: { type: 'rendered', raw, markup: 'markdown', html: `<p>${raw}</p>` },
            user: { type: 'user', display_name: comment.user },
            created_on: comment.createdOn,
            updated_on: comment.createdOn,
            deleted: false,
            pullrequest: { type: 'pullrequest', id: pull.id, title: pull.title },
            links: {
              self: { href },
              html: { href: `${ctx.base.url}/${r.fullName}/pull-requests/${pull.id}#comment-${comment.id}` },
            },
          },
        };
      },
    },
  ];
}
