import * as git from '../../common/git/bare-repo.js';
import { REPO, requireRepo, resolveCommit, type ServerContext, type ServerRoute } from '../context.js';
import { repoJson } from '../pull-view.js';
import { branchJson, paged, serverError } from '../shapes.js';

const TYPES = { added: 'ADD', removed: 'DELETE', modified: 'MODIFY', renamed: 'MOVE' } as const;

/** Repository, raw file, compare changes and default branch: the read side. */
export function repoRoutes(ctx: ServerContext): ServerRoute[] {
  const defaultBranch = async (req: Parameters<ServerRoute['handler']>[0]) => {
    const r = await requireRepo(ctx, req);
    const sha = await git.revParse(r.dir, `refs/heads/${r.defaultBranch}`);
    // An empty repository has a default branch name but no commit: 204, as Bitbucket answers.
    return sha === null
      ? { status: 204, raw: '', headers: { 'content-type': 'application/json' } }
      : { status: 200, body: branchJson(r.defaultBranch, sha, true) };
  };
  return [
    {
      method: 'GET',
      pattern: REPO,
      handler: async (req) => ({ status: 200, body: repoJson(ctx, await requireRepo(ctx, req)) }),
    },
    {
      method: 'GET',
      pattern: `${REPO}/raw/{path+}`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const at = req.query.get('at') ?? r.defaultBranch;
        const sha = await resolveCommit(r.dir, r.slug, at);
        const path = (req.params.path ?? '').replace(/^\/+|\/+$/g, '');
        const entry = await git.treeEntry(r.dir, sha, path);
        if (entry === null || entry.type !== 'blob') {
          throw serverError(
            404,
            `The path "${path}" does not exist at revision "${at}"`,
            'com.atlassian.bitbucket.content.NoSuchPathException',
          );
        }
        const bytes = (await git.readBlob(r.dir, sha, path)) ?? Buffer.alloc(0);
        return { status: 200, raw: bytes, headers: { 'content-type': 'text/plain;charset=UTF-8' } };
      },
    },
    {
      method: 'GET',
      pattern: `${REPO}/compare/changes`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const from = req.query.get('from');
        const to = req.query.get('to');
        if (!from || !to)
          throw serverError(
            400,
            'Both "from" and "to" must be supplied to compare',
            'com.atlassian.bitbucket.validation.ArgumentValidationException',
          );
        // Changes on `from` that are not on `to`: git diff to...from.
        const changes = await git.changedPaths(
          r.dir,
          await resolveCommit(r.dir, r.slug, to),
          await resolveCommit(r.dir, r.slug, from),
        );
        const pathJson = (p: string) => {
          const components = p.split('/');
          const name = components[components.length - 1] ?? p;
          const dot = name.lastIndexOf('.');
          return {
            components,
            parent: components.slice(0, -1).join('/'),
            name,
            ...(dot > 0 ? { extension: name.slice(dot + 1) } : {}),
            toString: p,
          };
        };
        const values = changes.map((c) => ({
          type: TYPES[c.status],
          nodeType: 'FILE',
          path: pathJson(c.path),
          ...(c.previousPath === undefined ? {} : { srcPath: pathJson(c.previousPath) }),
        }));
        return { status: 200, body: paged(values, req.query) };
      },
    },
    { method: 'GET', pattern: `${REPO}/branches/default`, handler: defaultBranch },
    { method: 'GET', pattern: `${REPO}/default-branch`, handler: defaultBranch },
  ];
}
