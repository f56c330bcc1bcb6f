import { revParse } from '../../common/git/bare-repo.js';
import { settleAutoMerge } from '../auto-merge.js';
import { isoNow, params, requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { commitPipeline, notifyPipeline } from '../notify.js';
import { created, gitlabError, gitlabPage, notFound, paramError, statusJson } from '../shapes.js';
import type { CommitStatusState, StatusRecord } from '../store.js';

const STATES: readonly string[] = ['pending', 'running', 'success', 'failed', 'canceled'];
// The state-machine event GitLab fires to reach each state, named in its transition errors.
const EVENTS: Record<CommitStatusState, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'succeed',
  failed: 'drop',
  canceled: 'cancel',
};

/** External commit statuses: `POST /projects/:id/statuses/:sha` and the list per commit. */
export function statusRoutes(ctx: GitlabContext): GitlabRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/projects/{id}/statuses/{sha}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const b = params(req);
        if (b.state === undefined) throw paramError('state is missing');
        if (typeof b.state !== 'string' || !STATES.includes(b.state))
          throw paramError('state does not have a valid value');
        const state = b.state as CommitStatusState;
        const sha = await revParse(p.dir, req.params.sha ?? '');
        if (sha === null) throw notFound('Commit');
        const name =
          typeof b.name === 'string' && b.name !== ''
            ? b.name
            : typeof b.context === 'string' && b.context !== ''
              ? b.context
              : 'default';
        const ref = typeof b.ref === 'string' ? b.ref : null;
        // GitLab keeps one status per (sha, name, ref) and moves it through a state machine;
        // asking for the state it is already in is refused with 400.
        const latest = [...p.state.statuses].reverse().find((s) => s.sha === sha && s.name === name && s.ref === ref);
        if (latest !== undefined && latest.status === state) {
          throw gitlabError(
            400,
            `Cannot transition status via :${EVENTS[state]} from :${latest.status} (Reason(s): Status cannot transition via "${EVENTS[state]}")`,
          );
        }
        const status: StatusRecord = {
          id: ctx.store.nextId(),
          sha,
          ref,
          status: state,
          name,
          description: typeof b.description === 'string' ? b.description : null,
          targetUrl: typeof b.target_url === 'string' ? b.target_url : null,
          author: req.principal.username,
          createdAt: isoNow(ctx),
        };
        const pipelineBefore = commitPipeline(p, sha);
        p.state.statuses.push(status);
        notifyPipeline(ctx, ctx.hooks, p, sha, pipelineBefore);
        await settleAutoMerge(ctx, p, sha);
        return created(statusJson(ctx.base, status));
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/commits/{sha}/statuses',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const sha = await revParse(p.dir, req.params.sha ?? '');
        if (sha === null) throw notFound('Commit');
        const onCommit = p.state.statuses.filter((s) => s.sha === sha);
        // Without all=true GitLab hides the superseded ("retried") statuses: the latest per name and ref.
        const all = req.query.get('all') === 'true';
        const shown = all
          ? onCommit
          : onCommit.filter((s, i) => !onCommit.slice(i + 1).some((n) => n.name === s.name && n.ref === s.ref));
        const { page, headers } = gitlabPage(shown, req.query, req.selfUrl);
        return { status: 200, headers, body: page.map((s) => statusJson(ctx.base, s)) };
      },
    },
  ];
}
