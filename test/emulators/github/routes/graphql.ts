import { defaultBranch } from '../../common/git/bare-repo.js';
import type { ApiResponse } from '../../common/emulator-server.js';
import { bodyObject, type GithubContext, type GithubRequest, type GithubRoute, type RepoHandle } from '../context.js';
import { refreshPull } from '../pull-view.js';
import type { AutoMergeRecord, PullRecord } from '../store.js';
import { unmetRequiredChecks } from './branches.js';

/** GraphQL answers 200 with an `errors` list; GitHub prefixes auto-merge refusals with "Pull request". */
const refused = (field: string, message: string, type = 'UNPROCESSABLE'): ApiResponse => ({
  status: 200,
  body: { data: { [field]: null }, errors: [{ type, path: [field], locations: [{ line: 2, column: 3 }], message }] },
});

/**
 * The input of mutation `name`: `input: $var` (one variable) or `input: { key: $var | "text" | ENUM ... }`.
 * Enough GraphQL for the two mutations served here, not a GraphQL parser.
 */
function mutationInput(
  query: string,
  variables: Record<string, unknown>,
  name: string,
): Record<string, unknown> | null {
  const at = query.indexOf(`${name}(`);
  if (at < 0) return null;
  const m = /^\(\s*input\s*:\s*(?:\$(\w+)|\{([^}]*)\})/.exec(query.slice(at + name.length));
  if (m === null) return {};
  if (m[1] !== undefined) return (variables[m[1]] as Record<string, unknown> | undefined) ?? {};
  const input: Record<string, unknown> = {};
  for (const [, key = '', value = ''] of (m[2] ?? '').matchAll(/(\w+)\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*"|\w+)/g)) {
    input[key] = value.startsWith('$') ? variables[value.slice(1)] : value.startsWith('"') ? JSON.parse(value) : value;
  }
  return input;
}

async function pullByNodeId(ctx: GithubContext, id: unknown): Promise<{ r: RepoHandle; pull: PullRecord } | null> {
  for (const state of ctx.store.repos()) {
    const pull = state.pulls.find((p) => `PR_${p.id}` === id);
    if (pull === undefined) continue;
    const dir = ctx.git.bareDir(state.fullName);
    return { r: { fullName: state.fullName, dir, state, defaultBranch: await defaultBranch(dir) }, pull };
  }
  return null;
}

const METHODS: Record<string, AutoMergeRecord['method']> = { MERGE: 'merge', SQUASH: 'squash', REBASE: 'rebase' };

/**
 * `POST /api/graphql` (GitHub Enterprise's path; octokit derives it from `/api/v3`), serving
 * `enablePullRequestAutoMerge` and `disablePullRequestAutoMerge` with GitHub's refusals: the
 * repository does not allow auto-merge, the base has no protection rule, the PR could be merged
 * now ("clean status", or "unstable status" when only checks the branch does not require are
 * pending or failed), the head is not `expectedHeadOid`.
 */
export function graphqlRoutes(ctx: GithubContext): GithubRoute[] {
  const enable = async (req: GithubRequest, input: Record<string, unknown>): Promise<ApiResponse> => {
    const field = 'enablePullRequestAutoMerge';
    const found = await pullByNodeId(ctx, input.pullRequestId);
    if (found === null)
      return refused(
        field,
        `Could not resolve to a node with the global id of '${String(input.pullRequestId)}'`,
        'NOT_FOUND',
      );
    const { r, pull } = found;
    if (!r.state.allowAutoMerge) return refused(field, 'Pull request Auto merge is not allowed for this repository');
    if (pull.state !== 'open') return refused(field, 'Pull request Pull request is closed');
    await refreshPull(r, pull);
    // GitHub's documentation names expectedHeadOid but not its refusal's text: this one is ours.
    if (typeof input.expectedHeadOid === 'string' && input.expectedHeadOid !== pull.headSha)
      return refused(field, 'Pull request The head ref has changed since expectedHeadOid');
    if (r.state.protections[pull.base] === undefined)
      return refused(field, 'Pull request Protected branch rules not configured for this branch');
    if (unmetRequiredChecks(r.state, pull.base, pull.headSha).length === 0) {
      const latest = new Map(r.state.statuses.filter((s) => s.sha === pull.headSha).map((s) => [s.context, s.state]));
      const runs = r.state.checkRuns.filter((c) => c.headSha === pull.headSha);
      const unstable =
        [...latest.values()].some((s) => s !== 'success') ||
        runs.some((c) => !['success', 'neutral', 'skipped'].includes(c.conclusion ?? ''));
      return refused(field, `Pull request Pull request is in ${unstable ? 'unstable' : 'clean'} status`);
    }
    const method = METHODS[String(input.mergeMethod ?? 'MERGE')];
    if (method === undefined)
      return refused(field, `Argument 'mergeMethod' has an invalid value (${String(input.mergeMethod)})`);
    pull.autoMerge = {
      method,
      enabledBy: req.principal.login,
      commitTitle: typeof input.commitHeadline === 'string' ? input.commitHeadline : null,
      commitBody: typeof input.commitBody === 'string' ? input.commitBody : null,
    };
    return { status: 200, body: { data: { [field]: { pullRequest: { number: pull.number } } } } };
  };
  const disable = async (input: Record<string, unknown>): Promise<ApiResponse> => {
    const field = 'disablePullRequestAutoMerge';
    const found = await pullByNodeId(ctx, input.pullRequestId);
    if (found === null)
      return refused(
        field,
        `Could not resolve to a node with the global id of '${String(input.pullRequestId)}'`,
        'NOT_FOUND',
      );
    if (found.pull.state !== 'open') return refused(field, 'Pull request Pull request is closed');
    found.pull.autoMerge = null;
    return { status: 200, body: { data: { [field]: { pullRequest: { number: found.pull.number } } } } };
  };
  return [
    {
      method: 'POST',
      pattern: '/api/graphql',
      handler: async (req) => {
        const b = bodyObject(req);
        const query = typeof b.query === 'string' ? b.query : '';
        const variables = (typeof b.variables === 'object' && b.variables !== null ? b.variables : {}) as Record<
          string,
          unknown
        >;
        const on = mutationInput(query, variables, 'enablePullRequestAutoMerge');
        if (on !== null) return enable(req, on);
        const off = mutationInput(query, variables, 'disablePullRequestAutoMerge');
        if (off !== null) return disable(off);
        return {
          status: 200,
          body: {
            errors: [
              {
                message: 'github emulator: only enablePullRequestAutoMerge and disablePullRequestAutoMerge are served',
              },
            ],
          },
        };
      },
    },
  ];
}
