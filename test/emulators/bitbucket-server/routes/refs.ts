import * as git from '../../common/git/bare-repo.js';
import { listRefs, readRef } from '../../common/git/ref-objects.js';
import { REPO, requireRepo, resolveCommit, type ServerContext, type ServerRoute } from '../context.js';
import { branchJson, paged, serverError } from '../shapes.js';

/** Branch and tag lookups and the commit log between two refs: how clients resolve refs. */
export function refRoutes(ctx: ServerContext): ServerRoute[] {
  return [
    {
      // filterText matches any part of a name, case-insensitively; boostMatches puts an exact
      // match first. Everything else comes in name order.
      method: 'GET',
      pattern: `${REPO}/branches`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const filter = (req.query.get('filterText') ?? '').toLowerCase();
        const all = (await listRefs(r.dir, 'refs/heads/')).map((t) => ({
          name: t.ref.slice('refs/heads/'.length),
          sha: t.sha,
        }));
        let list = all.filter((b) => b.name.toLowerCase().includes(filter));
        if (req.query.get('boostMatches') === 'true')
          list = [
            ...list.filter((b) => b.name.toLowerCase() === filter),
            ...list.filter((b) => b.name.toLowerCase() !== filter),
          ];
        return {
          status: 200,
          body: paged(
            list.map((b) => branchJson(b.name, b.sha, b.name === r.defaultBranch)),
            req.query,
          ),
        };
      },
    },
    {
      method: 'GET',
      pattern: `${REPO}/tags/{name+}`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const name = req.params.name ?? '';
        const target = await readRef(r.dir, `refs/tags/${name}`);
        const commit = target === null ? null : await git.revParse(r.dir, target.sha);
        if (target === null || commit === null)
          throw serverError(
            404,
            `Tag ${name} does not exist in this repository.`,
            'com.atlassian.bitbucket.repository.NoSuchTagException',
          );
        // latestCommit is peeled; hash is what the ref names (the tag object when annotated).
        return {
          status: 200,
          body: {
            id: target.ref,
            displayId: name,
            type: 'TAG',
            latestCommit: commit,
            latestChangeset: commit,
            hash: target.sha,
          },
        };
      },
    },
    {
      // Newest first: commits reachable from `until` (default branch when absent) and not from `since`.
      method: 'GET',
      pattern: `${REPO}/commits`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const until = await resolveCommit(r.dir, r.slug, req.query.get('until') || r.defaultBranch);
        const sinceRef = req.query.get('since');
        const since = sinceRef ? await resolveCommit(r.dir, r.slug, sinceRef) : null;
        const start = Math.max(0, Number(req.query.get('start') ?? 0) || 0);
        const limit = Math.min(1000, Math.max(1, Number(req.query.get('limit') ?? 25) || 25));
        // One past the page tells paged() whether another page follows.
        const entries = await git.log(r.dir, since === null ? until : `${since}..${until}`, start + limit + 1);
        const values = entries.map((c) => {
          const m = /^(.*) <(.*)>$/.exec(c.author);
          const person = { name: m?.[1] ?? c.author, emailAddress: m?.[2] ?? '' };
          const at = Date.parse(c.date);
          return {
            id: c.sha,
            displayId: c.sha.slice(0, 11),
            author: person,
            authorTimestamp: at,
            committer: person,
            committerTimestamp: at,
            message: c.message,
          };
        });
        return { status: 200, body: paged(values, req.query) };
      },
    },
  ];
}
