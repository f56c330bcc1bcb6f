import type { CommitStatus } from './contracts.js';

/** A status as an SCM listed it, with the time it was last set (ISO text or ms). */
export interface DatedStatus {
  status: CommitStatus;
  at: string | number;
}

const ms = (at: string | number): number => (typeof at === 'number' ? at : Date.parse(at) || 0);

/**
 * One status per context, the newest by time. SCMs that keep a history per context (GitLab) or
 * list every run of a check (GitHub) would otherwise let an old failure or success speak for a
 * context that has moved on. Among equal times, the one listed later wins.
 */
export function newestPerContext(list: DatedStatus[]): CommitStatus[] {
  const newest = new Map<string, DatedStatus>();
  for (const d of list) {
    const seen = newest.get(d.status.context);
    if (seen === undefined || ms(d.at) >= ms(seen.at)) newest.set(d.status.context, d);
  }
  return [...newest.values()].map((d) => d.status);
}
