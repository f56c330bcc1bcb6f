import { requireRepo, bodyObject, type GithubContext, type GithubRoute } from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull } from '../pull-view.js';
import { labelJson, notFound, validationFailed } from '../shapes.js';

/**
 * A pull request's labels, through the issues API as GitHub has it: adding sends one `labeled`
 * event per label it did not have, removing sends `unlabeled`. Labels need not exist in the
 * repository first (GitHub creates them on the fly).
 */
export function labelRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.issue_number);
        const names = bodyObject(req).labels;
        if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== ''))
          throw validationFailed({ resource: 'Label', field: 'labels', code: 'invalid' });
        const added = names.filter((n) => !(pull.labels ?? []).includes(n));
        pull.labels = [...(pull.labels ?? []), ...added];
        for (const name of added)
          await notifyPull(ctx, r, pull, 'labeled', req.principal.login, {
            label: labelJson(ctx.base, r.fullName, name),
          });
        return { status: 200, body: pull.labels.map((n) => labelJson(ctx.base, r.fullName, n)) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.issue_number);
        const name = decodeURIComponent(req.params.name ?? '');
        if (!(pull.labels ?? []).includes(name)) throw notFound();
        pull.labels = (pull.labels ?? []).filter((n) => n !== name);
        await notifyPull(ctx, r, pull, 'unlabeled', req.principal.login, {
          label: labelJson(ctx.base, r.fullName, name),
        });
        return { status: 200, body: pull.labels.map((n) => labelJson(ctx.base, r.fullName, n)) };
      },
    },
  ];
}
