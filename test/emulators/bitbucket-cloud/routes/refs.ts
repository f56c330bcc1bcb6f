import * as git from '../../common/git/bare-repo.js';
import { readRef, readTag } from '../../common/git/ref-objects.js';
import { requireRepo, type CloudContext, type CloudRoute } from '../context.js';
import { bitbucketError } from '../shapes.js';

/** A branch or tag by name, and merge-base: how clients resolve refs and ancestry. */
export function refRoutes(ctx: CloudContext): CloudRoute[] {
  const commitJson = async (dir: string, fullName: string, sha: string): Promise<Record<string, unknown>> => {
    const [c] = await git.log(dir, sha, 1);
    return {
      type: 'commit',
      hash: sha,
      date: c?.date,
      author: { type: 'author', raw: c?.author },
      message: c?.message,
      links: {
        self: { href: `${ctx.base.apiUrl}/repositories/${fullName}/commit/${sha}` },
        html: { href: `${ctx.base.url}/${fullName}/commits/${sha}` },
      },
    };
  };
  return [
    {
      // `{name}` may hold slashes, raw or as %2F.
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/refs/branches/{name+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const name = req.params.name ?? '';
        const target = await readRef(r.dir, `refs/heads/${name}`);
        if (target === null) throw bitbucketError(404, 'Branch not found');
        return {
          status: 200,
          body: {
            type: 'branch',
            name,
            target: await commitJson(r.dir, r.fullName, target.sha),
            links: { html: { href: `${ctx.base.url}/${r.fullName}/branch/${name}` } },
            merge_strategies: ['merge_commit', 'squash', 'fast_forward'],
            default_merge_strategy: 'merge_commit',
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/refs/tags/{name+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const name = req.params.name ?? '';
        const target = await readRef(r.dir, `refs/tags/${name}`);
        const sha = target === null ? null : await git.revParse(r.dir, target.sha);
        if (target === null || sha === null) throw bitbucketError(404, 'Tag not found');
        // Bitbucket peels: `target` is the tagged commit, an annotated tag adds message and tagger.
        const annotated = target.type === 'tag' ? await readTag(r.dir, target.sha) : null;
        return {
          status: 200,
          body: {
            type: 'tag',
            name,
            target: await commitJson(r.dir, r.fullName, sha),
            ...(annotated === null
              ? {}
              : {
                  message: annotated.message,
                  date: annotated.tagger?.date,
                  tagger: { type: 'author', raw: `${annotated.tagger?.name} <${annotated.tagger?.email}>` },
                }),
            links: { html: { href: `${ctx.base.url}/${r.fullName}/commits/tag/${name}` } },
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/merge-base/{revspec+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const revspec = req.params.revspec ?? '';
        const dots = revspec.indexOf('..');
        if (dots < 0) throw bitbucketError(400, `"${revspec}" is not a revspec of two commits like a..b`);
        const [a, b] = await Promise.all([
          git.revParse(r.dir, revspec.slice(0, dots)),
          git.revParse(r.dir, revspec.slice(dots + 2)),
        ]);
        if (a === null || b === null)
          throw bitbucketError(404, 'Commit not found', { detail: `Unknown revision in ${revspec}` });
        const common = await git.mergeBase(r.dir, a, b);
        if (common === null) throw bitbucketError(404, 'No common ancestor', { detail: `${revspec} share no history` });
        return { status: 200, body: await commitJson(r.dir, r.fullName, common) };
      },
    },
  ];
}
