import type { ScmProvider } from './contracts.js';

/**
 * Default branches, kept for `ttlMs` per host and repository: every GitOps update without a
 * `revision` asked for it (an API call on the way to each pull request), and it changes about
 * never. A stale answer is bounded twice: by the TTL, and by `forget`, which the GitOps apply
 * calls when the branch it was told is gone (a rename), before asking again.
 */
export function createDefaultBranchCache(ttlMs: number, now: () => number) {
  const kept = new Map<string, { branch: Promise<string>; at: number }>();
  const keyOf = (host: string, repo: string) => `${host}\n${repo}`;
  return {
    forget(host: string, repo: string): void {
      kept.delete(keyOf(host, repo));
    },
    /** The kept answer while fresh, without asking the SCM; undefined otherwise. */
    peek(host: string, repo: string): Promise<string> | undefined {
      const hit = kept.get(keyOf(host, repo));
      return hit && now() - hit.at < ttlMs ? hit.branch : undefined;
    },
    /** The provider with `defaultBranch` answered from the cache while fresh; other calls pass. */
    wrap(host: string, p: ScmProvider): ScmProvider {
      if (ttlMs <= 0) return p;
      const wrapped: ScmProvider = Object.create(p) as ScmProvider;
      wrapped.defaultBranch = (repo: string) => {
        const key = keyOf(host, repo);
        const hit = kept.get(key);
        if (hit && now() - hit.at < ttlMs) return hit.branch;
        // Concurrent askers share one call; a failed call is not kept.
        const branch = p.defaultBranch(repo);
        kept.set(key, { branch, at: now() });
        branch.catch(() => {
          if (kept.get(key)?.branch === branch) kept.delete(key);
        });
        return branch;
      };
      return wrapped;
    },
  };
}
