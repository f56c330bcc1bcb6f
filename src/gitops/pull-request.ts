import { hasCode, PermanentError } from '../core/errors.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { PullRequest, PullRequestApi } from '../scm/contracts.js';
import { prBody, prTitle, type PrText } from './pr-text.js';

interface PrInput {
  head: string;
  /** The head branch's pull request, looked up already (beside the push): not asked again. */
  found?: Promise<PullRequest | null>;
  text: PrText;
}

/**
 * Find, then create or update: at most three PR calls however many files changed. A 422 "already
 * exists" on create means another worker won the race: find that PR and update it.
 */
export async function openOrUpdatePullRequest(
  provider: PullRequestApi,
  spec: EnvUpdateSpec,
  input: PrInput,
): Promise<PullRequest & { opened: boolean }> {
  const repo = spec.target.fullName;
  const base = input.text.base;
  const text = { title: prTitle(spec), body: prBody(spec, input.text) };
  const found = await (input.found ?? provider.findPullRequest(repo, input.head, base));
  if (found) return { ...(await provider.updatePullRequest(repo, found.number, text)), opened: false };
  try {
    // -merge-pull-request is honoured afterwards, once the head's checks pass (merge-when-green.ts).
    return { ...(await provider.createPullRequest(repo, { head: input.head, base, ...text })), opened: true };
  } catch (err) {
    if (!(err instanceof PermanentError && hasCode(err, 'scm_pr_exists'))) throw err;
    const existing = await provider.findPullRequest(repo, input.head, base);
    if (!existing) throw err;
    return { ...(await provider.updatePullRequest(repo, existing.number, text)), opened: false };
  }
}
