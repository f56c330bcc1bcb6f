import * as git from '../../common/git/bare-repo.js';
import { requireRepo, type CloudContext, type CloudRoute } from '../context.js';
import { bitbucketError, paged } from '../shapes.js';

// Bitbucket guesses a file's content type from its name; the client must not trust it to be text.
const TYPES: Record<string, string> = {
  json: 'application/json',
  yaml: 'application/x-yaml',
  yml: 'application/x-yaml',
  md: 'text/markdown',
};

/** GET repository, source at a commit, and diffstat: the read side the service uses to plan. */
export function repoRoutes(ctx: CloudContext): CloudRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const [workspace = '', slug = ''] = r.fullName.split('/');
        return {
          status: 200,
          body: {
            type: 'repository',
            uuid: r.state.uuid,
            full_name: r.fullName,
            name: slug,
            slug,
            is_private: true,
            scm: 'git',
            owner: { type: 'team', username: workspace },
            workspace: { type: 'workspace', slug: workspace },
            mainbranch: { type: 'branch', name: r.mainBranch },
            links: {
              html: { href: `${ctx.base.url}/${r.fullName}` },
              clone: [{ name: 'https', href: `${ctx.base.url}/${r.fullName}.git` }],
            },
          },
        };
      },
    },
    {
      // Bitbucket decodes the whole rest of the path before splitting off the commit, so a
      // branch name with "/" cannot be addressed even as %2F; reproduced on purpose.
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/src/{node_path+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const rest = req.params.node_path ?? '';
        const slash = rest.indexOf('/');
        const node = slash < 0 ? rest : rest.slice(0, slash);
        const path = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
        const sha = await git.revParse(r.dir, node);
        if (sha === null)
          throw bitbucketError(404, 'Commit not found', { detail: `Commit "${node}" not found in ${r.fullName}` });
        const entry = await git.treeEntry(r.dir, sha, path);
        if (entry === null) throw bitbucketError(404, `No such file or directory: ${path}`);
        if (entry.type === 'tree') {
          const list = await git.listDir(r.dir, sha, path);
          const values = list.map((e) => ({
            type: e.type === 'tree' ? 'commit_directory' : 'commit_file',
            path: e.path,
            commit: { type: 'commit', hash: sha },
            ...(e.type === 'tree' ? {} : { size: e.size, mimetype: null }),
          }));
          return { status: 200, body: paged(values, req.query, req.selfUrl, 100) };
        }
        const bytes = (await git.readBlob(r.dir, sha, path)) ?? Buffer.alloc(0);
        const ext = path.split('.').pop()?.toLowerCase() ?? '';
        return { status: 200, raw: bytes, headers: { 'content-type': TYPES[ext] ?? 'text/plain' } };
      },
    },
    {
      method: 'GET',
      pattern: '/repositories/{workspace}/{repo_slug}/diffstat/{spec+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const spec = req.params.spec ?? '';
        // "new..old": the first commit is compared against the second, the reverse of git diff.
        const dots = spec.indexOf('..');
        const [newRef, oldRef] = dots < 0 ? [spec, `${spec}^`] : [spec.slice(0, dots), spec.slice(dots + 2)];
        const newSha = await git.revParse(r.dir, newRef);
        const oldSha = await git.revParse(r.dir, oldRef);
        if (newSha === null || oldSha === null)
          throw bitbucketError(404, 'Commit not found', { detail: `Unknown revision in ${spec}` });
        // topic=true, the default and the only mode emulated, diffs from the merge base (git's A...B).
        if (req.query.get('topic') === 'false') throw bitbucketError(400, 'topic=false is not emulated');
        const changes = await git.changedPaths(r.dir, oldSha, newSha);
        const file = (path: string) => ({
          path,
          type: 'commit_file',
          escaped_path: path,
          links: { self: { href: `${ctx.base.apiUrl}/repositories/${r.fullName}/src/${newSha}/${path}` } },
        });
        const values = changes.map((c) => ({
          type: 'diffstat',
          status: c.status,
          lines_added: 0,
          lines_removed: 0,
          old: c.status === 'added' ? null : file(c.previousPath ?? c.path),
          new: c.status === 'removed' ? null : file(c.path),
        }));
        return { status: 200, body: paged(values, req.query, req.selfUrl, 500, 500) };
      },
    },
  ];
}
