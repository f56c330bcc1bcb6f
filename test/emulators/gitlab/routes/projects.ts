import { createHash } from 'node:crypto';
import * as git from '../../common/git/bare-repo.js';
import { commitJson as commitView } from '../commit-view.js';
import { requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { compareDiffs, lastCommitFor } from '../diffs.js';
import { notFound, paramError, projectJson } from '../shapes.js';

/** Project, repository files and compare: the read side the service uses to plan. */
export function projectRoutes(ctx: GitlabContext): GitlabRoute[] {
  const commitJson = (fullName: string, c: git.LogEntry) => commitView(ctx.base.url, fullName, c);
  return [
    {
      method: 'GET',
      pattern: '/projects/{id}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        return { status: 200, body: projectJson(ctx.base, p.fullName, p.state.id, p.defaultBranch) };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/files/{file_path}',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const ref = req.query.get('ref');
        if (ref === null || ref === '') throw paramError('ref is missing, ref is empty');
        const path = req.params.file_path ?? '';
        const sha = await git.revParse(p.dir, ref);
        if (sha === null) throw notFound('Commit');
        const entry = await git.treeEntry(p.dir, sha, path);
        if (entry === null || entry.type !== 'blob') throw notFound('File');
        const bytes = (await git.readBlob(p.dir, sha, path)) ?? Buffer.alloc(0);
        return {
          status: 200,
          body: {
            file_name: path.split('/').pop(),
            file_path: path,
            size: bytes.length,
            encoding: 'base64',
            content_sha256: createHash('sha256').update(bytes).digest('hex'),
            ref,
            blob_id: entry.sha,
            commit_id: sha,
            last_commit_id: await lastCommitFor(p.dir, sha, path),
            execute_filemode: entry.mode === '100755',
            content: bytes.toString('base64'),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/files/{file_path}/raw',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        // ref is optional here and defaults to HEAD, unlike the JSON endpoint.
        const ref = req.query.get('ref') || p.defaultBranch || 'HEAD';
        const path = req.params.file_path ?? '';
        const sha = await git.revParse(p.dir, ref);
        if (sha === null) throw notFound('Commit');
        const entry = await git.treeEntry(p.dir, sha, path);
        if (entry === null || entry.type !== 'blob') throw notFound('File');
        const bytes = (await git.readBlob(p.dir, sha, path)) ?? Buffer.alloc(0);
        return {
          status: 200,
          raw: bytes,
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            'x-gitlab-blob-id': entry.sha,
            'x-gitlab-commit-id': sha,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/repository/compare',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const from = req.query.get('from') ?? '';
        const to = req.query.get('to') ?? '';
        const absent = [from === '' ? 'from is missing' : null, to === '' ? 'to is missing' : null].filter(
          (x) => x !== null,
        );
        if (absent.length > 0) throw paramError(absent.join(', '));
        const straight = req.query.get('straight') === 'true';
        const fromSha = await git.revParse(p.dir, from);
        const toSha = await git.revParse(p.dir, to);
        if (fromSha === null || toSha === null) throw notFound('Ref');
        if (!straight && (await git.mergeBase(p.dir, fromSha, toSha)) === null) throw notFound('Ref');
        // Both modes list the commits reachable from `to` and not from `from`.
        const commits = await git.commitsBetween(p.dir, fromSha, toSha);
        const last = commits[commits.length - 1];
        // Past the instance's diff limits GitLab cuts the list short and says so in compare_timeout.
        const diffs = await compareDiffs(p.dir, fromSha, toSha, straight);
        return {
          status: 200,
          body: {
            commit: last === undefined ? null : commitJson(p.fullName, last),
            commits: commits.map((c) => commitJson(p.fullName, c)),
            diffs: diffs.slice(0, ctx.diffMaxFiles),
            compare_timeout: diffs.length > ctx.diffMaxFiles,
            compare_same_ref: from === to,
            web_url: `${ctx.base.url}/${p.fullName}/-/compare/${from}...${to}`,
          },
        };
      },
    },
  ];
}
