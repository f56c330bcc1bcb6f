import { requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { notFound, userId, userJson } from '../shapes.js';

/**
 * `GET /projects/:id/members/all/:user_id`: a member's access level, inherited memberships
 * included, or GitLab's 404 for a user who is not a member. The token's own user is a Maintainer
 * of every project unless set otherwise (`setMember`).
 */
export function memberRoutes(ctx: GitlabContext, users: { bot: string; all: readonly string[] }): GitlabRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/projects/{id}/members/all/{user_id}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const username = users.all.find((u) => String(userId(u)) === req.params.user_id);
        const member =
          username === undefined
            ? undefined
            : (p.state.members.get(username) ?? (username === users.bot ? { level: 40, awaiting: false } : undefined));
        if (username === undefined || member === undefined) throw notFound('Member');
        return {
          status: 200,
          body: {
            ...userJson(ctx.base, username),
            access_level: member.level,
            created_at: '2026-01-01T00:00:00.000Z',
            expires_at: null,
            membership_state: member.awaiting ? 'awaiting' : 'active',
          },
        };
      },
    },
  ];
}
