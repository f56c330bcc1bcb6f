import type { EnvUpdateSpec } from '../../core/env-update.js';
import { PermanentError } from '../../core/errors.js';
import type { ApplyDeps, ApplyResult } from '../apply.js';

/**
 * Nothing to change. If an open PR still carries an older push (its branch is ahead of the base),
 * say so on it: the newest push needs no change, so merging that PR would deploy an older one.
 */
export async function upToDate(
  deps: ApplyDeps,
  spec: EnvUpdateSpec,
  o: { usePr: boolean; head: string; base: string; pushTo: string; ahead: boolean },
): Promise<ApplyResult> {
  if (!o.usePr) return { outcome: 'up-to-date', branch: o.pushTo };
  const pulls = deps.providers.for(spec.target.host).pulls;
  const pr = pulls ? await pulls.findPullRequest(spec.target.fullName, o.head, o.base) : null;
  if (pulls && pr && o.ahead) {
    await pulls.comment(
      spec.target.fullName,
      pr.number,
      `dispatchd: the newest push, ${spec.source.fullName}@${spec.source.sha.slice(0, 7)}, needs no change: ` +
        `${o.base} already matches it. This pull request carries an older push; close it rather than merge it.`,
    );
  }
  return { outcome: 'up-to-date', branch: o.pushTo, ...(pr ? { prUrl: pr.url } : {}) };
}

/** The head branch has someone else's commits: say so on its PR and stop, keeping them. */
export async function reportForeignCommits(
  deps: ApplyDeps,
  spec: EnvUpdateSpec,
  head: string,
  base: string,
): Promise<never> {
  const pulls = deps.providers.for(spec.target.host).pulls;
  const message =
    `branch ${head} has commits dispatchd did not make; they are kept, and this update (${spec.source.fullName}@${spec.source.sha.slice(0, 7)}) ` +
    `was not applied. Move those changes to ${base} (or close the pull request and delete the branch), then push again.`;
  const pr = pulls ? await pulls.findPullRequest(spec.target.fullName, head, base) : null;
  if (pulls && pr) await pulls.comment(spec.target.fullName, pr.number, `dispatchd: ${message}`);
  throw new PermanentError('gitops_foreign_commits', message);
}
