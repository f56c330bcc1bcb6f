import { revParse } from '../../common/git/bare-repo.js';
import { paginate } from '../../common/http-io.js';
import { bodyObject, isoNow, requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { settleAutoMerge } from '../auto-merge.js';
import { notifyComment, notifyStatus } from '../notify.js';
import { findPull } from '../pull-view.js';
import { commentJson, created, githubError, statusJson, validationFailed } from '../shapes.js';
import type { CommentRecord, StatusRecord } from '../store.js';

const STATES: readonly string[] = ['error', 'failure', 'pending', 'success'];

/** Commit statuses and issue comments: what the service writes besides the PR itself. */
export function statusRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/statuses/{sha}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        if (typeof b.state !== 'string' || !STATES.includes(b.state))
          throw validationFailed({
            resource: 'Status',
            field: 'state',
            code: 'custom',
            message: 'state is not included in the list',
          });
        // GitHub refuses, rather than truncates, descriptions over 140 characters.
        if (typeof b.description === 'string' && b.description.length > 140) {
          throw validationFailed({
            resource: 'Status',
            field: 'description',
            code: 'custom',
            message: 'description is too long (maximum is 140 characters)',
          });
        }
        const shaParam = req.params.sha ?? '';
        const sha = await revParse(r.dir, shaParam);
        if (sha === null) throw githubError(422, `No commit found for SHA: ${shaParam}`);
        const status: StatusRecord = {
          id: ctx.store.nextId(),
          sha,
          state: b.state as StatusRecord['state'],
          context: typeof b.context === 'string' && b.context !== '' ? b.context : 'default',
          description: typeof b.description === 'string' ? b.description : null,
          targetUrl: typeof b.target_url === 'string' ? b.target_url : null,
          creator: req.principal.login,
          createdAt: isoNow(ctx),
        };
        r.state.statuses.push(status);
        await settleAutoMerge(ctx, r, sha);
        notifyStatus(ctx, r, status);
        return created(statusJson(ctx.base, r.fullName, status));
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/commits/{ref+}/statuses',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const sha = await revParse(r.dir, req.params.ref ?? '');
        if (sha === null) throw githubError(404, `No commit found for SHA: ${req.params.ref ?? ''}`);
        const list = r.state.statuses.filter((s) => s.sha === sha).reverse();
        const { page, headers } = paginate(list, req.query, req.selfUrl);
        return { status: 200, headers, body: page.map((s) => statusJson(ctx.base, r.fullName, s)) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/commits/{ref+}/status',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const sha = await revParse(r.dir, req.params.ref ?? '');
        if (sha === null) throw githubError(404, `No commit found for SHA: ${req.params.ref ?? ''}`);
        const latest = new Map<string, StatusRecord>();
        for (const s of r.state.statuses) if (s.sha === sha) latest.set(s.context, s);
        const states = [...latest.values()].map((s) => s.state);
        const state = states.some((s) => s === 'error' || s === 'failure')
          ? 'failure'
          : states.length === 0 || states.includes('pending')
            ? 'pending'
            : 'success';
        return {
          status: 200,
          body: {
            state,
            sha,
            total_count: latest.size,
            statuses: [...latest.values()].map((s) => statusJson(ctx.base, r.fullName, s)),
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.issue_number);
        const b = bodyObject(req);
        if (typeof b.body !== 'string' || b.body === '')
          throw validationFailed({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
        const comment: CommentRecord = {
          id: ctx.store.nextId(),
          issueNumber: pull.number,
          body: b.body,
          user: req.principal.login,
          // The token's user can push: the owner, or a collaborator.
          association: req.principal.login === r.fullName.split('/')[0] ? 'OWNER' : 'COLLABORATOR',
          createdAt: isoNow(ctx),
        };
        r.state.comments.push(comment);
        await notifyComment(ctx, r, pull, comment);
        const json = commentJson(ctx.base, r.fullName, comment);
        return created(json, String(json.url));
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.issue_number);
        const list = r.state.comments.filter((c) => c.issueNumber === pull.number);
        const { page, headers } = paginate(list, req.query, req.selfUrl);
        return { status: 200, headers, body: page.map((c) => commentJson(ctx.base, r.fullName, c)) };
      },
    },
  ];
}
