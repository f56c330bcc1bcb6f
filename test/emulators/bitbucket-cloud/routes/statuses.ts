import { revParse } from '../../common/git/bare-repo.js';
import { bodyObject, requireRepo, timestamp, type CloudContext, type CloudRoute } from '../context.js';
import { notifyCommitStatus } from '../notify.js';
import { bitbucketError, paged } from '../shapes.js';
import type { StatusRecord } from '../store.js';

const STATES: readonly string[] = ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'];

/** Build statuses on a commit: POST creates or overwrites by `key`; GET lists them. */
export function statusRoutes(ctx: CloudContext): CloudRoute[] {
  const render = (r: { fullName: string }, s: StatusRecord): Record<string, unknown> => ({
    type: 'build',
    key: s.key,
    name: s.name,
    state: s.state,
    url: s.url,
    description: s.description,
    created_on: s.createdOn,
    updated_on: s.updatedOn,
    links: {
      self: {
        href: `${ctx.base.apiUrl}/repositories/${r.fullName}/commit/${s.sha}/statuses/build/${encodeURIComponent(s.key)}`,
      },
    },
  });
  return [
    {
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const sha = await revParse(r.dir, req.params.commit ?? '');
        if (sha === null)
          throw bitbucketError(404, 'Commit not found', {
            detail: `Commit "${req.params.commit ?? ''}" not found in ${r.fullName}`,
          });
        const b = bodyObject(req);
        const fields: Record<string, string[]> = {};
        if (typeof b.key !== 'string' || b.key === '') fields.key = ['This field is required.'];
        if (typeof b.state !== 'string' || !STATES.includes(b.state))
          fields.state = [`"${String(b.state)}" is not a valid choice.`];
        if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) fields.url = ['Enter a valid URL.'];
        if (Object.keys(fields).length > 0) throw bitbucketError(400, 'Bad request', { fields });
        const now = timestamp(ctx);
        const existing = r.state.statuses.find((s) => s.sha === sha && s.key === b.key);
        const record: StatusRecord = {
          sha,
          key: String(b.key),
          name: typeof b.name === 'string' ? b.name : null,
          state: b.state as StatusRecord['state'],
          url: String(b.url),
          description: typeof b.description === 'string' ? b.description : null,
          createdOn: existing?.createdOn ?? now,
          updatedOn: now,
        };
        if (existing) Object.assign(existing, record);
        else r.state.statuses.push(record);
        notifyCommitStatus(ctx, ctx.hooks, r, record, existing === undefined, req.principal.displayName);
        return { status: 201, body: render(r, record) };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const sha = (await revParse(r.dir, req.params.commit ?? '')) ?? '';
        const list = r.state.statuses.filter((s) => s.sha === sha).map((s) => render(r, s));
        return { status: 200, body: paged(list, req.query, req.selfUrl, 100) };
      },
    },
  ];
}
