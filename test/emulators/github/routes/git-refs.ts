import * as git from '../../common/git/bare-repo.js';
import { readRef, readTag } from '../../common/git/ref-objects.js';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';
import { githubError, notFound } from '../shapes.js';

/** The Git database's refs and tag objects: a ref's unpeeled object, and peeling an annotated tag. */
export function gitRefRoutes(ctx: GithubContext): GithubRoute[] {
  const objectUrl = (fullName: string, type: string, sha: string): string =>
    `${ctx.base.apiUrl}/repos/${fullName}/git/${type === 'tag' ? 'tags' : `${type}s`}/${sha}`;
  return [
    {
      // `{ref}` is `heads/x` or `tags/v1`, sent with or without its slashes encoded; only an exact
      // name matches (the plural `git/matching-refs` is the prefix search).
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/ref/{ref+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        if ((await git.branches(r.dir)).length === 0) throw githubError(409, 'Git Repository is empty.');
        const target = await readRef(r.dir, `refs/${req.params.ref ?? ''}`);
        if (target === null) throw notFound();
        return {
          status: 200,
          body: {
            ref: target.ref,
            node_id: `REF_${Buffer.from(`${r.fullName}:${target.ref}`).toString('base64url')}`,
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/git/${target.ref}`,
            object: { type: target.type, sha: target.sha, url: objectUrl(r.fullName, target.type, target.sha) },
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/tags/{tag_sha}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const tag = await readTag(r.dir, req.params.tag_sha ?? '');
        if (tag === null) throw notFound();
        return {
          status: 200,
          body: {
            node_id: `TAG_${tag.sha}`,
            tag: tag.tag,
            sha: tag.sha,
            url: objectUrl(r.fullName, 'tag', tag.sha),
            message: tag.message,
            tagger: tag.tagger,
            object: {
              type: tag.object.type,
              sha: tag.object.sha,
              url: objectUrl(r.fullName, tag.object.type, tag.object.sha),
            },
            verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
          },
        };
      },
    },
  ];
}
