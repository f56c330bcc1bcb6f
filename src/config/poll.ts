import { toMs } from './duration.js';
import type { DispatchdConfig } from './schema.js';

/** How often something that waits on a GitOps repository looks again: the first delay, doubling up to `maxMs`. */
export interface PollSettings {
  firstMs: number;
  maxMs: number;
}

/**
 * A GitOps repository's `poll` setting over a waiting feature's own defaults. Operators whose
 * webhooks arrive reliably may poll less: the webhooks wake the waiting jobs, and the poll only
 * bounds how late a lost webhook makes a merge or a promotion.
 */
export function pollFor(config: Pick<DispatchdConfig, 'gitops'>, repo: string, defaults: PollSettings): PollSettings {
  const p = config.gitops.find((g) => g.repo === repo)?.poll;
  const firstMs = p?.first !== undefined ? toMs(p.first) : defaults.firstMs;
  const maxMs = p?.max !== undefined ? toMs(p.max) : defaults.maxMs;
  return { firstMs, maxMs: Math.max(firstMs, maxMs) };
}

/** The delay before look `n + 1` (n = 0 after the first look): `firstMs` doubling, capped at `maxMs`. */
export const backoff = (s: PollSettings, n: number): number => Math.min(s.maxMs, s.firstMs * 2 ** Math.max(0, n));
