import { bodyObject, REPO, requireRepo, type ServerContext, type ServerRoute } from '../context.js';
import { findPull } from '../pull-view.js';
import { serverError } from '../shapes.js';

/** POST a pull-request comment (`text`, Markdown). */
export function commentRoutes(ctx: ServerContext): ServerRoute[] {
  return [
    {
      method: 'POST',
      pattern: `${REPO}/pull-requests/{pullRequestId}/comments`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pullRequestId);
        const text = bodyObject(req).text;
        if (typeof text !== 'string' || text.trim() === '')
          throw serverError(
            400,
            'A comment must have text.',
            'com.atlassian.bitbucket.validation.ArgumentValidationException',
          );
        const comment = {
          id: ctx.store.nextId(),
          pullRequestId: pull.id,
          text,
          author: req.principal.name,
          createdDate: ctx.now(),
        };
        r.state.comments.push(comment);
        return {
          status: 201,
          body: {
            id: comment.id,
            version: 0,
            text,
            author: { name: comment.author, slug: comment.author },
            createdDate: comment.createdDate,
            updatedDate: comment.createdDate,
            comments: [],
            tasks: [],
          },
        };
      },
    },
  ];
}
