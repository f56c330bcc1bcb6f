import type { DispatchdConfig } from '../config/schema.js';
import type { PushEvent } from '../core/push-event.js';
import type { Mirrors } from '../git/mirrors.js';
import type { Providers } from '../scm/providers.js';
import { targetsGrantedTo } from './grants.js';
import { headNamespace, legacyNamespace } from './head-branch.js';

/**
 * A source granted more GitOps repositories than this fetches none ahead: the plan decides which
 * of them it writes, and fetching every one for every push would cost more than it saves.
 */
const MAX_PREFETCH = 2;

/**
 * How old a fetch may be and still serve an update's checkout: the mirror an update starts from
 * is read after its plan began and at most this long before the checkout. The lease on the
 * head branch (and, for a direct commit, the non-forced push) still catches anything that moved
 * since; a push that loses that race starts again from a fetch of its own.
 */
export const PREFETCH_MAX_AGE_MS = 2000;

export interface PrefetchDeps {
  config: DispatchdConfig;
  providers: Providers;
  mirrors: Mirrors;
}

/**
 * Starts fetching the mirrors of the GitOps repositories this push may write to, while the plan
 * reads the ref's tip and the Dispatchfile from the SCM (push → PR timeline, docs/benchmark.md):
 * the update's checkout then takes that fetch instead of starting its own. Best effort: a failed
 * or unused fetch costs only itself, and the checkout fetches again if this one failed.
 */
export function prefetchGitops(
  deps: PrefetchDeps,
  event: Pick<PushEvent, 'host' | 'repo' | 'refType' | 'refName'>,
): void {
  const targets = targetsGrantedTo(
    deps.config,
    { host: event.host, fullName: event.repo.fullName },
    { type: event.refType, name: event.refName },
  );
  if (targets.length === 0 || targets.length > MAX_PREFETCH) return;
  const startedAt = Date.now();
  const source = { host: event.host, fullName: event.repo.fullName };
  for (const t of targets) {
    if (!Object.hasOwn(deps.config.hosts, t.host)) continue;
    // What an update of this source reads there (update/checkout.ts): the default branch as the
    // base, and the source's head branches. The default branch only as remembered
    // (src/scm/default-branch-cache.ts): the prefetch makes no API call of its own, so nothing it
    // does can go out beside the plan's calls after the SCM asked for a wait. Not remembered yet
    // (the first update in a while), or a base named by a revision param: the update fetches itself.
    const known = deps.providers.knownDefaultBranch(t.host, t.fullName);
    if (!known) continue;
    void Promise.all([deps.providers.for(t.host).gitRemote(t.fullName), known])
      .then(([remote, base]) =>
        deps.mirrors.fetch(remote, {
          // Only a fetch starting now or later: this plan's update reads after the plan began
          // (a retried delivery's first fetch may predate a fix).
          startedSince: startedAt,
          onlyIfIdle: true,
          branches: [base, headNamespace(source), legacyNamespace(source)],
        }),
      )
      .catch(() => undefined);
  }
}

/** The `startedSince` of an update's first checkout: a fetch after its plan began, and recent. */
export const reusableSince = (plannedAt: number, now: number) => Math.max(plannedAt, now - PREFETCH_MAX_AGE_MS);
