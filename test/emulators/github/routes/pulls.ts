import { mergeBase } from '../../common/git/bare-repo.js';
import { branchSha } from '../../common/git/refs.js';
import { paginate } from '../../common/http-io.js';
import { bodyObject, isoNow, requireRepo, type GithubContext, type GithubRoute, type RepoHandle } from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull, headBranch, refreshPull, renderPull } from '../pull-view.js';
import { created, validationFailed, type FieldError } from '../shapes.js';
import type { PullRecord } from '../store.js';

/** List, get, create and update pull requests. */
export function pullRoutes(ctx: GithubContext): GithubRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/pulls',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const state = req.query.get('state') ?? 'open';
        const head = req.query.get('head');
        const base = req.query.get('base');
        // GitHub filters by head only in the `owner:branch` form; a bare branch name is ignored,
        // a classic client bug this emulator reproduces on purpose.
        const headRef = head !== null && head.includes(':') ? headBranch(r.fullName, head) : undefined;
        let list = r.state.pulls.filter(
          (p) =>
            (state === 'all' || p.state === state) &&
            (headRef === undefined || p.head === headRef) &&
            (base === null || p.base === base),
        );
        const sort = req.query.get('sort') ?? 'created';
        const asc = (req.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) === 'asc';
        list = [...list].sort(
          (a, b) =>
            (sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number) *
            (asc ? 1 : -1),
        );
        const { page, headers } = paginate(list, req.query, req.selfUrl);
        return { status: 200, headers, body: await Promise.all(page.map((p) => renderPull(ctx, r, p))) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/pulls/{pull_number}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return { status: 200, body: await renderPull(ctx, r, findPull(r, req.params.pull_number), true) };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/pulls',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        const missing = (['title', 'head', 'base'] as const).filter((f) => typeof b[f] !== 'string' || b[f] === '');
        if (missing.length > 0)
          throw validationFailed(
            ...missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })),
          );
        const title = String(b.title);
        const base = String(b.base);
        const headParam = String(b.head);
        const head = headBranch(r.fullName, headParam);
        await checkBranches(r, base, head);
        const headSha = (head === null ? null : await branchSha(r.dir, head)) ?? '';
        const baseSha = (await branchSha(r.dir, base)) ?? '';
        checkNoDuplicate(r, head ?? '', base);
        if ((await mergeBase(r.dir, baseSha, headSha)) === headSha) {
          throw validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${base} and ${head ?? ''}`,
          });
        }
        checkNoDuplicate(r, head ?? '', base);
        const now = isoNow(ctx);
        const pull: PullRecord = {
          id: ctx.store.nextId(),
          number: r.state.nextNumber++,
          state: 'open',
          merged: false,
          title,
          body: typeof b.body === 'string' ? b.body : null,
          draft: b.draft === true,
          head: head ?? '',
          base,
          headSha,
          baseSha,
          user: req.principal.login,
          createdAt: now,
          updatedAt: now,
          closedAt: null,
          mergedAt: null,
          mergeCommitSha: null,
        };
        r.state.pulls.push(pull);
        await notifyPull(ctx, r, pull, 'opened', req.principal.login);
        return created(await renderPull(ctx, r, pull), `${ctx.base.apiUrl}/repos/${r.fullName}/pulls/${pull.number}`);
      },
    },
    {
      method: 'PATCH',
      pattern: '/repos/{owner}/{repo}/pulls/{pull_number}',
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pull_number);
        const b = bodyObject(req);
        const errors: FieldError[] = [];
        if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed')
          errors.push({ resource: 'PullRequest', field: 'state', code: 'invalid' });
        if (b.title !== undefined && (typeof b.title !== 'string' || b.title === ''))
          errors.push({ resource: 'PullRequest', field: 'title', code: 'missing_field' });
        if (errors.length > 0) throw validationFailed(...errors);
        if (b.state === 'open' && pull.state === 'closed') {
          if (pull.merged)
            throw validationFailed({
              resource: 'PullRequest',
              code: 'custom',
              message: 'state cannot be changed. The pull request cannot be reopened because it has been merged.',
            });
          await checkBranches(r, pull.base, pull.head);
          checkNoDuplicate(r, pull.head, pull.base);
        }
        if (typeof b.base === 'string') {
          await checkBranches(r, b.base, pull.head);
          pull.base = b.base;
        }
        if (typeof b.title === 'string') pull.title = b.title;
        if (typeof b.body === 'string' || b.body === null) pull.body = b.body;
        if (b.state === 'closed' && pull.state === 'open') await refreshPull(r, pull);
        if (b.state === 'open' && pull.state === 'closed') checkNoDuplicate(r, pull.head, pull.base);
        if (b.state === 'closed' && pull.state === 'open') {
          pull.state = 'closed';
          pull.closedAt = isoNow(ctx);
        } else if (b.state === 'open' && pull.state === 'closed') {
          pull.state = 'open';
          pull.closedAt = null;
        }
        pull.updatedAt = isoNow(ctx);
        if (b.state === 'closed' || b.state === 'open')
          await notifyPull(ctx, r, pull, pull.state === 'closed' ? 'closed' : 'reopened', req.principal.login);
        return { status: 200, body: await renderPull(ctx, r, pull, true) };
      },
    },
  ];
}

async function checkBranches(r: RepoHandle, base: string, head: string | null): Promise<void> {
  const errors: FieldError[] = [];
  if ((await branchSha(r.dir, base)) === null) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  if (head === null || (await branchSha(r.dir, head)) === null)
    errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  if (errors.length > 0) throw validationFailed(...errors);
}

// Synchronous on purpose: called again right before a PR is stored, with no await in between,
// so two clients racing to create the same PR get one 201 and one 422, as on GitHub.
function checkNoDuplicate(r: RepoHandle, head: string, base: string): void {
  const owner = r.fullName.split('/')[0] ?? '';
  if (r.state.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `A pull request already exists for ${owner}:${head}.`,
    });
  }
}
