import * as git from '../../common/git/bare-repo.js';
import { repoJson, notFound, githubError } from '../shapes.js';
import { requireRepo, type GithubContext, type GithubRoute } from '../context.js';

/** GET repo, contents and compare: the read side the service uses to plan. */
export function repoRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return { status: 200, body: repoJson(ctx.base, r.fullName, r.state.id, r.defaultBranch) };
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
              return { type, name: e.path.split('/').pop(), path: e.path, sha: e.sha, size: e.size, ...links(e.path, type, e.sha) };
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
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/compare/{basehead+}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const basehead = req.params.basehead ?? '';
        const dots = basehead.indexOf('...');
        if (dots < 0) throw notFound();
        const [baseRef, headRef] = [basehead.slice(0, dots), basehead.slice(dots + 3)];
        const baseSha = await git.revParse(r.dir, baseRef);
        const headSha = await git.revParse(r.dir, headRef);
        if (baseSha === null || headSha === null) throw notFound();
        const mergeBase = await git.mergeBase(r.dir, baseSha, headSha);
        if (mergeBase === null) throw githubError(404, `No common ancestor between ${baseRef} and ${headRef}.`);
        const ahead = await git.commitsBetween(r.dir, baseSha, headSha);
        const behind = await git.commitsBetween(r.dir, headSha, baseSha);
        const files = await git.changedPaths(r.dir, baseSha, headSha);
        const status = ahead.length === 0 && behind.length === 0 ? 'identical' : behind.length === 0 ? 'ahead' : ahead.length === 0 ? 'behind' : 'diverged';
        const commitJson = (c: git.LogEntry): Record<string, unknown> => {
          const m = /^(.*) <(.*)>$/.exec(c.author);
          const who = { name: m?.[1] ?? c.author, email: m?.[2] ?? '', date: c.date };
          return {
            sha: c.sha,
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/commits/${c.sha}`,
            html_url: `${ctx.base.url}/${r.fullName}/commit/${c.sha}`,
            commit: { message: c.message, author: who, committer: who },
          };
        };
        return {
          status: 200,
          body: {
            url: `${ctx.base.apiUrl}/repos/${r.fullName}/compare/${basehead}`,
            html_url: `${ctx.base.url}/${r.fullName}/compare/${basehead}`,
            base_commit: { sha: baseSha },
            merge_base_commit: { sha: mergeBase },
            status,
            ahead_by: ahead.length,
            behind_by: behind.length,
            total_commits: ahead.length,
            commits: ahead.map(commitJson),
            files: files.map((f) => ({
              sha: null,
              filename: f.path,
              status: f.status,
              ...(f.previousPath === undefined ? {} : { previous_filename: f.previousPath }),
            })),
          },
        };
      },
    },
  ];
}
