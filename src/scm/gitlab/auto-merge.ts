import type { Gitlab } from '@gitbeaker/rest';
import type { AutoMergeAnswer, MergeMethod, NativeAutoMerge } from '../contracts.js';
import type { HttpFailure } from '../http-errors.js';

export interface GitlabAutoMergeDeps {
  api: InstanceType<typeof Gitlab>;
  /** Runs one API call, turning HTTP failures into dispatchd's transient/permanent errors. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  failureOf(err: unknown): HttpFailure;
}

// GitLab's answers to a merge it will not take: 405 (not open, a failed pipeline, nothing to
// wait for on older versions), 406 (cannot be merged), 409 (sha is not the head), 422 (conflict).
const REFUSED = new Set([405, 406, 409, 422]);

/**
 * GitLab's auto-merge ("merge when pipeline succeeds"): the merge call with `auto_merge` (17.11+)
 * and its older name `merge_when_pipeline_succeeds`, both sent so either version reads one. GitLab
 * then merges when the head pipeline succeeds; that pipeline holds every status reported on the
 * head, so it waits for each of them, and for nothing that has not reported yet.
 */
export function gitlabAutoMerge(d: GitlabAutoMergeDeps): NativeAutoMerge {
  return {
    enforced: (_repo, _base, checks) => Promise.resolve(checks.map((c) => c.context)),
    async enable(repo, number, opts: { method: MergeMethod; sha: string }): Promise<AutoMergeAnswer> {
      let mr: { state?: string; merge_when_pipeline_succeeds?: boolean; auto_merge_enabled?: boolean };
      try {
        mr = (await d.api.MergeRequests.accept(repo, number, {
          autoMerge: true,
          mergeWhenPipelineSucceeds: true,
          sha: opts.sha,
          ...(opts.method === 'squash' ? { squash: true } : {}),
        })) as typeof mr;
      } catch (err) {
        const f = d.failureOf(err);
        if (f.status !== undefined && REFUSED.has(f.status))
          return { enabled: false, reason: `HTTP ${f.status} ${f.message}` };
        return d.call(`set auto-merge on !${number}`, () => Promise.reject(err));
      }
      // With nothing to wait for GitLab merges at once: the next look finds it merged.
      if (mr.state === 'merged' || mr.merge_when_pipeline_succeeds === true || mr.auto_merge_enabled === true)
        return { enabled: true };
      return { enabled: false, reason: 'GitLab did not set auto-merge on the merge request' };
    },
    async disable(repo, number) {
      try {
        await d.api.MergeRequests.cancelOnPipelineSuccess(repo, number);
      } catch (err) {
        // 406 "Can't cancel the automatic merge": none is set (or it merged meanwhile).
        const f = d.failureOf(err);
        if (f.status !== 405 && f.status !== 406)
          await d.call(`cancel auto-merge on !${number}`, () => Promise.reject(err));
      }
    },
  };
}
