import * as git from '../../common/git/bare-repo.js';
import { readRef, readTag } from '../../common/git/ref-objects.js';
import { commitJson } from '../commit-view.js';
import { requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { gitlabError, notFound } from '../shapes.js';

/** Single branches, tags and commits by name, and merge_base: how clients resolve refs. */
export function refRoutes(ctx: GitlabContext): GitlabRoute[] {
  const commitAt = async (dir: string, fullName: string, sha: string): Promise<Record<string, unknown>> => {
    const [entry] = await git.log(dir, sha, 1);
    if (entry === undefined) throw notFound('Commit');
    return commitJson(ctx.base.url, fullName, entry);
  };
  return [
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/branches/{branch}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const name = req.params.branch ?? '';
        const sha = (await readRef(p.dir, `refs/heads/${name}`))?.sha;
        if (sha === undefined) throw notFound('Branch');
        return {
          status: 200,
          body: {
            name,
            merged: false,
            protected: name === p.defaultBranch,
            default: name === p.defaultBranch,
            developers_can_push: false,
            developers_can_merge: false,
            can_push: true,
            web_url: `${ctx.base.url}/${p.fullName}/-/tree/${name}`,
            commit: await commitAt(p.dir, p.fullName, sha),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/tags/{tag_name}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const name = req.params.tag_name ?? '';
        const target = await readRef(p.dir, `refs/tags/${name}`);
        const sha = target === null ? null : await git.revParse(p.dir, target.sha);
        if (target === null || sha === null) throw notFound('Tag');
        // `target` is what the ref names (the tag object when annotated); `commit` is peeled.
        const annotated = target.type === 'tag' ? await readTag(p.dir, target.sha) : null;
        return {
          status: 200,
          body: {
            name,
            message: annotated?.message.trimEnd() ?? '',
            target: target.sha,
            commit: await commitAt(p.dir, p.fullName, sha),
            release: null,
            protected: false,
            created_at: annotated?.tagger?.date ?? null,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/commits/{sha}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const sha = await git.revParse(p.dir, req.params.sha ?? '');
        if (sha === null) throw notFound('Commit');
        return { status: 200, body: await commitAt(p.dir, p.fullName, sha) };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/merge_base',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const refs = req.query.getAll('refs[]');
        if (refs.length < 2) throw gitlabError(400, 'Provide at least 2 refs');
        const shas = await Promise.all(refs.map((r) => git.revParse(p.dir, r)));
        const unknown = refs.filter((_, i) => shas[i] === null);
        if (unknown.length > 0)
          throw gitlabError(400, `Could not find ${unknown.length === 1 ? 'ref' : 'refs'}: ${unknown.join(', ')}`);
        const [first, ...rest] = shas as string[];
        let base: string | null = first ?? null;
        for (const sha of rest) base = base === null ? null : await git.mergeBase(p.dir, base, sha);
        if (base === null) throw notFound('Merge Base');
        return { status: 200, body: await commitAt(p.dir, p.fullName, base) };
      },
    },
  ];
}
