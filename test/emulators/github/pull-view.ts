import { branchSha } from '../common/git/refs.js';
import { mergeTree } from '../common/git/write-commit.js';
import type { GithubContext, RepoHandle } from './context.js';
import { notFound, pullJson } from './shapes.js';
import type { PullRecord } from './store.js';

/** Refreshes a PR's head/base commits from the branches, as GitHub does after every push. */
export async function refreshPull(r: RepoHandle, p: PullRecord): Promise<void> {
  if (p.state !== 'open') return;
  p.headSha = (await branchSha(r.dir, p.head)) ?? p.headSha;
  p.baseSha = (await branchSha(r.dir, p.base)) ?? p.baseSha;
}

export async function renderPull(
  ctx: GithubContext,
  r: RepoHandle,
  p: PullRecord,
  withMergeable = false,
): Promise<Record<string, unknown>> {
  await refreshPull(r, p);
  let mergeable: boolean | null | undefined;
  if (withMergeable) mergeable = p.state === 'open' ? (await mergeTree(r.dir, p.baseSha, p.headSha)) !== null : null;
  return pullJson(
    { urls: ctx.base, fullName: r.fullName, repoId: r.state.id, defaultBranch: r.defaultBranch, mergeable },
    p,
  );
}

export function findPull(r: RepoHandle, numberParam: string | undefined): PullRecord {
  const n = Number(numberParam);
  const p = r.state.pulls.find((x) => x.number === n);
  if (p === undefined) throw notFound();
  return p;
}

/** `owner:branch` or `branch` → branch, or null when it names another owner (forks are not emulated). */
export function headBranch(fullName: string, head: string): string | null {
  const colon = head.indexOf(':');
  if (colon < 0) return head;
  const owner = fullName.split('/')[0] ?? '';
  return head.slice(0, colon).toLowerCase() === owner.toLowerCase() ? head.slice(colon + 1) : null;
}
