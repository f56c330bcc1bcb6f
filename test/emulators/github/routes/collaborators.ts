import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { userJson } from '../shapes.js';

/** GitHub's `permission` field folds the finer roles into the four older ones. */
const LEGACY: Record<string, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

/**
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`: a user's role on the
 * repository (`role_name`) and its legacy `permission`. Set with `setPermission`; otherwise the
 * owner is admin, the token's own user write, and anyone else read (a public repository).
 */
export function collaboratorRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/collaborators/{username}/permission',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const login = decodeURIComponent(req.params.username ?? '');
        const role =
          r.state.permissions[login.toLowerCase()] ??
          (login.toLowerCase() === r.fullName.split('/')[0]!.toLowerCase()
            ? 'admin'
            : login === req.principal.login
              ? 'write'
              : 'read');
        return {
          status: 200,
          body: { permission: LEGACY[role] ?? 'none', role_name: role, user: userJson(ctx.base, login) },
        };
      },
    },
  ];
}
