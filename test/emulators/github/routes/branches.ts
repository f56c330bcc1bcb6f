import { branchSha } from '../../common/git/refs.js';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { githubError } from '../shapes.js';
import type { RepoState } from '../store.js';

/** GET a branch, with its protection summary (readable without admin rights, as on GitHub). */
export function branchRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/branches/{branch+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const name = req.params.branch ?? '';
        const sha = await branchSha(r.dir, name);
        if (sha === null) throw githubError(404, 'Branch not found');
        const contexts = r.state.protections[name];
        return {
          status: 200,
          body: {
            name,
            commit: { sha, url: `${ctx.base.apiUrl}/repos/${r.fullName}/commits/${sha}` },
            protected: contexts !== undefined,
            protection: {
              enabled: contexts !== undefined,
              required_status_checks: {
                enforcement_level: contexts === undefined ? 'off' : 'non_admins',
                contexts: contexts ?? [],
                checks: (contexts ?? []).map((context) => ({ context, app_id: null })),
              },
            },
          },
        };
      },
    },
  ];
}

/** The required contexts of `base` that have not succeeded on `sha` (statuses and check runs). */
export function unmetRequiredChecks(state: RepoState, base: string, sha: string): string[] {
  const required = state.protections[base] ?? [];
  const passed = (context: string): boolean => {
    const status = state.statuses.filter((s) => s.sha === sha && s.context === context).at(-1);
    const run = state.checkRuns.filter((c) => c.headSha === sha && c.name === context).at(-1);
    return status?.state === 'success' || ['success', 'neutral', 'skipped'].includes(run?.conclusion ?? '');
  };
  return required.filter((c) => !passed(c));
}
