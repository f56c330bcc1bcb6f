import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvUpdateSpec } from '../../core/env-update.js';
import { addWorktree, removeWorktree } from '../../git/worktree.js';
import type { ApplyDeps } from '../apply.js';
import { planChanges } from '../changes.js';
import { checkGrantedPaths } from '../grants.js';
import { isContentChange, type RenderedFile } from '../render/index.js';
import type { ValueChange } from '../value-changes.js';
import type { PreparedUpdate } from './prepare.js';

export interface Edited {
  /** Files whose content changes. */
  changed: RenderedFile[];
  /** The value changes a reviewer reads in the PR body. */
  changes: ValueChange[];
}

/** A detached worktree of the base commit; `close()` removes it whatever happened in it. */
export interface Worktree {
  dir: string;
  close(): Promise<void>;
}

/** Checks out `baseSha` of the mirror into a fresh directory under the data dir: the update writes only there, never in the mirror. */
export async function openWorktree(deps: ApplyDeps, mirror: string, baseSha: string): Promise<Worktree> {
  const dir = await mkdtemp(join(deps.config.dataDir, 'work-'));
  const close = async () => {
    await removeWorktree(mirror, dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await addWorktree(mirror, dir, baseSha);
  } catch (err) {
    await close();
    throw err;
  }
  return { dir, close };
}

/**
 * Runs `fn` in a worktree opened (or being opened) before, and removes it afterwards whatever
 * happens.
 */
export async function withWorktree<T>(opening: Promise<Worktree>, fn: (worktree: string) => Promise<T>): Promise<T> {
  const wt = await opening;
  try {
    return await fn(wt.dir);
  } finally {
    await wt.close();
  }
}

/** Removes a worktree opened ahead of a checkout that then did not go on to edit it. */
export async function discardWorktree(opening: Promise<Worktree> | undefined): Promise<void> {
  await opening?.then(
    (wt) => wt.close(),
    () => undefined,
  );
}

/**
 * Step 3: render the selected templates and apply the step's edits in the worktree (read-only
 * until the grant allows every path that changes), then write what changed.
 */
export async function renderAndEdit(
  wt: string,
  deps: ApplyDeps,
  spec: EnvUpdateSpec,
  p: PreparedUpdate,
): Promise<Edited> {
  const plan = await planChanges({
    root: wt,
    workingSubdir: spec.workingSubdir,
    flags: p.flags,
    gitRevision: p.gitRevision,
    source: `${spec.source.host}:${spec.source.fullName}`,
  });
  const changed = plan.files.filter(isContentChange);
  checkGrantedPaths(
    deps.config,
    p.deployment,
    p.baseBranch,
    changed.map((f) => f.path),
  );
  return { changed, changes: plan.changes(changed) };
}
