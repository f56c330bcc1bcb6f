import { bodyObject, type ServerContext, type ServerRoute } from '../context.js';
import { paged, serverError } from '../shapes.js';
import type { StatusRecord } from '../store.js';

const STATES: readonly string[] = ['INPROGRESS', 'SUCCESSFUL', 'FAILED'];

/** The build-status REST API: statuses belong to a commit id, whatever repository holds it. */
export function buildStatusRoutes(ctx: ServerContext): ServerRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/rest/build-status/1.0/commits/{commitId}',
      handler: (req) => {
        const b = bodyObject(req);
        const problems: string[] = [];
        if (typeof b.key !== 'string' || b.key === '' || b.key.length > 255)
          problems.push('key is required (at most 255 characters)');
        if (typeof b.state !== 'string' || !STATES.includes(b.state))
          problems.push(`state must be one of ${STATES.join(', ')}`);
        if (typeof b.url !== 'string' || b.url === '') problems.push('url is required');
        if (problems.length > 0)
          throw serverError(400, problems.join('; '), 'com.atlassian.bitbucket.validation.ArgumentValidationException');
        const sha = req.params.commitId ?? '';
        const record: StatusRecord = {
          sha,
          key: String(b.key),
          name: typeof b.name === 'string' ? b.name : null,
          state: b.state as StatusRecord['state'],
          url: String(b.url),
          description: typeof b.description === 'string' ? b.description : null,
          dateAdded: ctx.now(),
        };
        const existing = ctx.store.statuses.find((s) => s.sha === sha && s.key === record.key);
        if (existing) Object.assign(existing, record);
        else ctx.store.statuses.push(record);
        return { status: 204, raw: '', headers: { 'content-type': 'application/json' } };
      },
    },
    {
      method: 'GET',
      pattern: '/rest/build-status/1.0/commits/{commitId}',
      handler: (req) => {
        const list = ctx.store.statuses.filter((s) => s.sha === req.params.commitId);
        return { status: 200, body: paged(list, req.query) };
      },
    },
  ];
}
