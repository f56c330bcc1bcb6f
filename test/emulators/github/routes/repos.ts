import * as git from '../../common/git/bare-repo.js';
import { repoJson, notFound, githubError } from '../shapes.js';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';

/** GET repo and contents: the read side the service uses to plan (compare is in compare.ts). */
export function repoRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        // The merge settings are part of the full repository, read by a token that may push.
        const body = {
          ...repoJson(ctx.base, r.fullName, r.state.id, r.defaultBranch),
          allow_auto_merge: r.state.allowAutoMerge,
        };
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/contents/{path+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const ref = req.query.get('ref') ?? r.defaultBranch;
        const path = (req.params.path ?? '').replace(/^\/+|\/+$/g, '');
        // One git process answers both "does the ref exist" and "what is at the path".
        const [commit, entry] = await git.catFiles(r.dir, [`${ref}^{commit}`, `${ref}:${path}`]);
        if (commit === null || commit === undefined) throw githubError(404, `No commit found for the ref ${ref}`);
        if (entry === null || entry === undefined) throw notFound();
        const sha = commit.sha;
        const links = (p: string, type: string, blobSha: string): Record<string, unknown> => ({
          url: `${ctx.base.apiUrl}/repos/${r.fullName}/contents/${p}?ref=${encodeURIComponent(ref)}`,
          html_url: `${ctx.base.url}/${r.fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${p}`,
          git_url: `${ctx.base.apiUrl}/repos/${r.fullName}/git/${type === 'dir' ? 'trees' : 'blobs'}/${blobSha}`,
          download_url: type === 'file' ? `${ctx.base.url}/${r.fullName}/raw/${ref}/${p}` : null,
        });
        if (entry.type === 'tree') {
          const list = await git.listDir(r.dir, sha, path);
          return {
            status: 200,
            body: list.map((e) => {
              const type = e.type === 'tree' ? 'dir' : e.type === 'commit' ? 'submodule' : 'file';
              return {
                type,
                name: e.path.split('/').pop(),
                path: e.path,
                sha: e.sha,
                size: e.size,
                ...links(e.path, type, e.sha),
              };
            }),
          };
        }
        const bytes = entry.content;
        // octokit's `mediaType: { format: 'raw' }` asks for the bytes themselves.
        if (/application\/vnd\.github(\.v3)?\.raw/.test(String(req.headers.accept ?? ''))) {
          return { status: 200, raw: bytes, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' } };
        }
        return {
          status: 200,
          body: {
            type: 'file',
            encoding: 'base64',
            size: bytes.length,
            name: path.split('/').pop(),
            path,
            // GitHub wraps the base64 at 60 characters; clients must strip the newlines.
            content: (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
            sha: entry.sha,
            ...links(path, 'file', entry.sha),
          },
        };
      },
    },
  ];
}
