import type { AppliedUpdates } from './applied.js';

/**
 * How far an environment is behind the one before it in its chain, from the updates dispatchd
 * kept for the previous environment (applied.ts, newest first, one per source commit):
 * `updates` counts those written there after the one whose source commit this environment
 * carries (all of them, and `atLeast`, when that one is no longer kept or never was); `since` is
 * when the oldest of them was written; `waiting` is the newest, what a promotion would bring.
 */
export async function behindPrevious(applied: AppliedUpdates, previousEnvId: string, carriesSha: string | null) {
  const updates = await applied.list(previousEnvId);
  const newest = updates[0];
  if (!newest) return null;
  const at = carriesSha ? updates.findIndex((u) => u.spec.source.sha === carriesSha) : -1;
  const ahead = at === -1 ? updates : updates.slice(0, at);
  const oldest = ahead.at(-1);
  return {
    previous: newest.spec.source.sha,
    carries: carriesSha,
    behind: ahead.length > 0,
    updates: ahead.length,
    ...(at === -1 && ahead.length > 0 ? { atLeast: true } : {}),
    ...(oldest ? { since: new Date(oldest.at).toISOString() } : {}),
    ...(ahead.length > 0
      ? { waiting: { sha: newest.spec.source.sha, ref: newest.spec.source.ref, images: newest.spec.images } }
      : {}),
  };
}
