import { mergeBase, revParse } from '../../common/git/bare-repo.js';
import { matches, parseBbql } from '../bbql.js';
import {
  bodyObject,
  requireRepo,
  stringAt,
  timestamp,
  type CloudContext,
  type CloudRoute,
  type RepoHandle,
} from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull, renderPull } from '../pull-view.js';
import { bitbucketError, paged } from '../shapes.js';
import type { PullRecord } from '../store.js';

const FIELDS: Record<string, (p: PullRecord) => string> = {
  'source.branch.name': (p) => p.source,
  'destination.branch.name': (p) => p.destination,
  state: (p) => p.state,
  title: (p) => p.title,
  description: (p) => p.description,
  id: (p) => String(p.id),
};

/** List (with `state` and BBQL `q`), get, create and update pull requests. */
export function pullRoutes(ctx: CloudContext): CloudRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        // Without `state` Bitbucket lists only OPEN pull requests; `state` may repeat.
        const states = req.query.getAll('state');
        let list = r.state.pulls.filter((p) => (states.length === 0 ? p.state === 'OPEN' : states.includes(p.state)));
        const q = req.query.get('q');
        if (q !== null) {
          const query = parseBbql(q);
          if ('error' in query) throw bitbucketError(400, query.error);
          const unknown = query.flat().find((t) => FIELDS[t.field] === undefined);
          if (unknown !== undefined) throw bitbucketError(400, `Invalid field name: ${unknown.field}`);
          list = list.filter((p) => matches(query, (f) => FIELDS[f]?.(p)));
        }
        const page = paged(
          [...list].sort((a, b) => b.id - a.id),
          req.query,
          req.selfUrl,
        );
        const values = await Promise.all((page.values as PullRecord[]).map((p) => renderPull(ctx, r, p)));
        return { status: 200, body: { ...page, values } };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return { status: 200, body: await renderPull(ctx, r, findPull(r, req.params.pull_request_id)) };
      },
    },
    {
      method: 'POST',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        const title = stringAt(b, 'title');
        const source = stringAt(b, 'source', 'branch', 'name');
        const destination = stringAt(b, 'destination', 'branch', 'name') ?? r.mainBranch;
        const fields: Record<string, string[]> = {};
        if (!title) fields.title = ['This field is required.'];
        if (!source) fields.source = ['This field is required.'];
        if (Object.keys(fields).length > 0) throw bitbucketError(400, 'Bad request', { fields });
        const sourceHash = await revParse(r.dir, `refs/heads/${source ?? ''}`);
        if (sourceHash === null)
          throw bitbucketError(400, `source: branch not found: ${source ?? ''}`, {
            fields: { source: [`branch not found: ${source ?? ''}`] },
          });
        const destinationHash = await revParse(r.dir, `refs/heads/${destination}`);
        if (destinationHash === null)
          throw bitbucketError(400, `destination: branch not found: ${destination}`, {
            fields: { destination: [`branch not found: ${destination}`] },
          });
        if ((await mergeBase(r.dir, destinationHash, sourceHash)) === sourceHash)
          throw bitbucketError(400, 'There are no changes to be pulled');
        // Checked after the last await, so of two racing creates exactly one wins.
        checkNoDuplicate(r, source ?? '', destination);
        const now = timestamp(ctx);
        const pull: PullRecord = {
          id: r.state.nextPullId++,
          title: title ?? '',
          description: stringAt(b, 'description') ?? '',
          state: 'OPEN',
          source: source ?? '',
          destination,
          sourceHash,
          destinationHash,
          closeSourceBranch: b.close_source_branch === true,
          author: req.principal.displayName,
          createdOn: now,
          updatedOn: now,
          mergeCommit: null,
        };
        r.state.pulls.push(pull);
        await notifyPull(ctx, ctx.hooks, r, pull, 'pullrequest:created', req.principal.displayName);
        const body = await renderPull(ctx, r, pull);
        return {
          status: 201,
          body,
          headers: { location: `${ctx.base.apiUrl}/repositories/${r.fullName}/pullrequests/${pull.id}` },
        };
      },
    },
    {
      method: 'PUT',
      pattern: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_request_id);
        if (pull.state !== 'OPEN')
          throw bitbucketError(400, `You can't edit a pull request that is ${pull.state.toLowerCase()}.`);
        const b = bodyObject(req);
        const title = stringAt(b, 'title');
        if (b.title !== undefined && !title)
          throw bitbucketError(400, 'Bad request', { fields: { title: ['This field may not be blank.'] } });
        if (title) pull.title = title;
        const description = stringAt(b, 'description');
        if (description !== undefined) pull.description = description;
        const destination = stringAt(b, 'destination', 'branch', 'name');
        if (destination !== undefined) {
          if ((await revParse(r.dir, `refs/heads/${destination}`)) === null)
            throw bitbucketError(400, `destination: branch not found: ${destination}`);
          pull.destination = destination;
        }
        pull.updatedOn = timestamp(ctx);
        // Bitbucket sends pullrequest:updated for edits as well as for new commits.
        await notifyPull(ctx, ctx.hooks, r, pull, 'pullrequest:updated', req.principal.displayName);
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
  ];
}

function checkNoDuplicate(r: RepoHandle, source: string, destination: string): void {
  if (r.state.pulls.some((p) => p.state === 'OPEN' && p.source === source && p.destination === destination)) {
    throw bitbucketError(400, `There is already an open pull request from ${source} to ${destination}`);
  }
}
