import { branchSha } from '../../common/git/refs.js';
import {
  isoNow,
  missing,
  params,
  requireProject,
  type GitlabContext,
  type GitlabRoute,
  type ProjectHandle,
} from '../context.js';
import {
  conflictingMergeRequest,
  findMergeRequest,
  refreshMergeRequest,
  renderMergeRequest,
} from '../merge-request-view.js';
import { notifyMergeRequest } from '../notify.js';
import { created, gitlabError, gitlabPage, paramError } from '../shapes.js';
import type { MergeRequestRecord } from '../store.js';

const STATES = ['opened', 'closed', 'locked', 'merged', 'all'];

/** List, show, create and edit merge requests. */
export function mergeRequestRoutes(ctx: GitlabContext): GitlabRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/projects/{id}/merge_requests',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const state = req.query.get('state') ?? 'all';
        if (!STATES.includes(state)) throw paramError('state does not have a valid value');
        const source = req.query.get('source_branch');
        const target = req.query.get('target_branch');
        const iids = [...req.query.getAll('iids[]'), ...req.query.getAll('iids')].map(Number);
        const list = p.state.mergeRequests
          .filter((m) => state === 'all' || m.state === state)
          .filter((m) => source === null || m.sourceBranch === source)
          .filter((m) => target === null || m.targetBranch === target)
          .filter((m) => iids.length === 0 || iids.includes(m.iid));
        // Default order: created_at desc, newest first.
        const ordered = req.query.get('sort') === 'asc' ? list : [...list].reverse();
        const { page, headers } = gitlabPage(ordered, req.query, req.selfUrl);
        const body = [];
        for (const m of page) body.push(await renderMergeRequest(ctx, p, m));
        return { status: 200, headers, body };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        return {
          status: 200,
          body: await renderMergeRequest(ctx, p, findMergeRequest(p, req.params.merge_request_iid)),
        };
      },
    },
    {
      method: 'POST',
      pattern: '/projects/{id}/merge_requests',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const b = params(req);
        const absent = missing(b, 'source_branch', 'target_branch', 'title');
        if (absent !== null) throw paramError(absent);
        const source = String(b.source_branch);
        const target = String(b.target_branch);
        await checkBranches(p, source, target);
        const sha = (await branchSha(p.dir, source)) ?? '';
        const conflict = conflictingMergeRequest(p, source, target);
        if (conflict !== null) throw gitlabError(409, [conflict]);
        const title = String(b.title);
        const now = isoNow(ctx);
        const mr: MergeRequestRecord = {
          id: ctx.store.nextId(),
          iid: p.state.nextIid++,
          state: 'opened',
          title,
          description: typeof b.description === 'string' ? b.description : null,
          sourceBranch: source,
          targetBranch: target,
          sha,
          shaSeenAt: ctx.now(),
          draft: /^(\[draft\]|\(draft\)|draft:|draft\s-\s)/i.test(title),
          author: req.principal.username,
          createdAt: now,
          updatedAt: now,
          mergedAt: null,
          closedAt: null,
          mergeCommitSha: null,
        };
        p.state.mergeRequests.push(mr);
        notifyMergeRequest(ctx, ctx.hooks, p, mr, 'open', req.principal.username);
        return created(await renderMergeRequest(ctx, p, mr));
      },
    },
    {
      method: 'PUT',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const mr = findMergeRequest(p, req.params.merge_request_iid);
        const b = params(req);
        const known = ['title', 'description', 'target_branch', 'state_event'];
        if (!known.some((k) => b[k] !== undefined))
          throw paramError(`${known.join(', ')} are missing, at least one parameter must be provided`);
        if (b.state_event !== undefined && b.state_event !== 'close' && b.state_event !== 'reopen')
          throw paramError('state_event does not have a valid value');
        if (b.title !== undefined && (typeof b.title !== 'string' || b.title === ''))
          throw gitlabError(400, { title: ["can't be blank"] });
        await refreshMergeRequest(ctx, p, mr);
        const target = typeof b.target_branch === 'string' ? b.target_branch : mr.targetBranch;
        if (target !== mr.targetBranch) await checkBranches(p, mr.sourceBranch, target);
        const reopening = b.state_event === 'reopen' && mr.state === 'closed';
        if (reopening || (target !== mr.targetBranch && mr.state === 'opened')) {
          const conflict = conflictingMergeRequest(p, mr.sourceBranch, target, mr);
          if (conflict !== null) throw gitlabError(409, [conflict]);
        }
        mr.targetBranch = target;
        if (typeof b.title === 'string') mr.title = b.title;
        if (typeof b.description === 'string') mr.description = b.description;
        const closing = b.state_event === 'close' && mr.state === 'opened';
        if (closing) {
          mr.state = 'closed';
          mr.closedAt = isoNow(ctx);
        } else if (reopening) {
          mr.state = 'opened';
          mr.closedAt = null;
        }
        mr.updatedAt = isoNow(ctx);
        // A title or description edit is an `update` without `oldrev`; state changes name themselves.
        notifyMergeRequest(
          ctx,
          ctx.hooks,
          p,
          mr,
          closing ? 'close' : reopening ? 'reopen' : 'update',
          req.principal.username,
        );
        return { status: 200, body: await renderMergeRequest(ctx, p, mr) };
      },
    },
  ];
}

async function checkBranches(p: ProjectHandle, source: string, target: string): Promise<void> {
  const errors: string[] = [];
  if ((await branchSha(p.dir, source)) === null) errors.push(`Source branch "${source}" does not exist`);
  if ((await branchSha(p.dir, target)) === null) errors.push(`Target branch "${target}" does not exist`);
  if (errors.length > 0) throw gitlabError(400, errors);
}
