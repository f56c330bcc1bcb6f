import { PermanentError } from '../core/errors.js';
import type { EnvUpdateSpec } from '../plan/spec.js';
import type { PullRequest, ScmProvider } from '../scm/contracts.js';
import { prBody, prTitle } from './pr-text.js';

interface PrInput {
  head: string;
  base: string;
  gitRevision: string;
  images: Record<string, string>;
  stat: string;
  diff: string;
  merge: boolean;
}

/**
 * Find, then create or update: at most three PR calls however many files changed. A 422 "already
 * exists" on create means another worker won the race: find that PR and update it.
 */
export async function openOrUpdatePullRequest(provider: ScmProvider, spec: EnvUpdateSpec, input: PrInput): Promise<PullRequest> {
  const repo = spec.target.fullName;
  const text = { title: prTitle(spec), body: prBody(spec, input.gitRevision, input.images, input.stat, input.diff) };
  let pr = await provider.findPullRequest(repo, input.head, input.base);
  if (pr) {
    pr = await provider.updatePullRequest(repo, pr.number, text);
  } else {
    try {
      pr = await provider.createPullRequest(repo, { head: input.head, base: input.base, ...text });
    } catch (err) {
      if (!(err instanceof PermanentError && /already exists/i.test(err.message))) throw err;
      const existing = await provider.findPullRequest(repo, input.head, input.base);
      if (!existing) throw err;
      pr = await provider.updatePullRequest(repo, existing.number, text);
    }
  }
  if (input.merge) await provider.mergePullRequest(repo, pr.number);
  return pr;
}
