import { branchSha } from '../common/git/refs.js';
import { mergeTree } from '../common/git/write-commit.js';
import type { GitlabContext, ProjectHandle } from './context.js';
import { mergeRequestJson, notFound } from './shapes.js';
import type { MergeRequestRecord } from './store.js';

/** Refreshes an open MR's head commit from its source branch, as GitLab does after every push. */
export async function refreshMergeRequest(ctx: GitlabContext, p: ProjectHandle, mr: MergeRequestRecord): Promise<void> {
  if (mr.state !== 'opened') return;
  const sha = (await branchSha(p.dir, mr.sourceBranch)) ?? mr.sha;
  if (sha !== mr.sha) {
    mr.sha = sha;
    mr.shaSeenAt = ctx.now();
    // GitLab cancels auto-merge when new commits reach the MR, so that they are looked at first.
    mr.autoMerge = null;
  }
}

/**
 * GitLab's `detailed_merge_status`, reduced to what a bare repository can tell: not open, draft,
 * a branch gone, a conflict, or mergeable. (The emulator runs no pipelines and needs no approvals.)
 */
export async function detailedMergeStatus(
  ctx: GitlabContext,
  p: ProjectHandle,
  mr: MergeRequestRecord,
): Promise<string> {
  if (mr.state !== 'opened') return 'not_open';
  if (mr.draft) return 'draft_status';
  // GitLab checks mergeability in the background after every push to the source branch.
  if (ctx.now() - mr.shaSeenAt < ctx.mergeCheckMs) return 'checking';
  const target = await branchSha(p.dir, mr.targetBranch);
  const source = await branchSha(p.dir, mr.sourceBranch);
  if (target === null || source === null) return 'broken_status';
  // Commits never change, so one merge-tree run per (target, source) pair is enough; lists of
  // MRs would otherwise spawn git once per entry on every call.
  const key = `${target}:${source}`;
  let clean = p.state.mergeable.get(key);
  if (clean === undefined) {
    clean = (await mergeTree(p.dir, target, source)) !== null;
    p.state.mergeable.set(key, clean);
  }
  return clean ? 'mergeable' : 'conflict';
}

export async function renderMergeRequest(
  ctx: GitlabContext,
  p: ProjectHandle,
  mr: MergeRequestRecord,
): Promise<Record<string, unknown>> {
  await refreshMergeRequest(ctx, p, mr);
  const detailed = await detailedMergeStatus(ctx, p, mr);
  return mergeRequestJson(
    { urls: ctx.base, fullName: p.fullName, projectId: p.state.id, detailedMergeStatus: detailed },
    mr,
  );
}

export function findMergeRequest(p: ProjectHandle, iidParam: string | undefined): MergeRequestRecord {
  const iid = Number(iidParam);
  const mr = p.state.mergeRequests.find((m) => m.iid === iid);
  if (mr === undefined) throw notFound('Merge Request');
  return mr;
}

/**
 * GitLab's `validate_branches`, answered with 409. Synchronous on purpose: called right before
 * an MR is stored, with no await in between, so two racing creators get one 201 and one 409.
 */
export function conflictingMergeRequest(
  p: ProjectHandle,
  source: string,
  target: string,
  except?: MergeRequestRecord,
): string | null {
  if (source === target) return "You can't use same project/branch for source and target";
  const other = p.state.mergeRequests.find(
    (m) => m !== except && m.state === 'opened' && m.sourceBranch === source && m.targetBranch === target,
  );
  return other === undefined ? null : `Another open merge request already exists for this source branch: !${other.iid}`;
}
