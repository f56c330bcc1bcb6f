import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvUpdateSpec } from '../../core/env-update.js';
import { git } from '../../git/run.js';
import type { ApplyDeps } from '../apply.js';
import { planChanges } from '../changes.js';
import { checkGrantedPaths } from '../grants.js';
import { isContentChange, type RenderedFile } from '../render/index.js';
import type { ValueChange } from '../value-changes.js';
import type { Checkout } from './checkout.js';
import type { PreparedUpdate } from './prepare.js';

export interface Edited {
  /** Files whose content changes. */
  changed: RenderedFile[];
  /** The value changes a reviewer reads in the PR body. */
  changes: ValueChange[];
}

/**
 * A detached worktree of the base commit for the length of `fn`, removed afterwards whatever
 * happens: the update writes only there, never in the mirror.
 */
export async function withWorktree<T>(
  deps: ApplyDeps,
  checkout: Checkout,
  fn: (worktree: string) => Promise<T>,
): Promise<T> {
  const wt = await mkdtemp(join(deps.config.dataDir, 'work-'));
  try {
    await git(['worktree', 'add', '--quiet', '--detach', wt, checkout.baseSha], { cwd: checkout.mirror });
    return await fn(wt);
  } finally {
    await git(['worktree', 'remove', '--force', wt], { cwd: checkout.mirror }).catch(() => undefined);
    await rm(wt, { recursive: true, force: true });
  }
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
