import { z } from 'zod';
import type { StatusEvent } from '../../core/review-events.js';
import { parsePayload } from '../payload.js';
import { fromGitlabStatus } from './statuses.js';

const Build = z.object({
  id: z.number().nullish(),
  name: z.string(),
  status: z.string(),
  allow_failure: z.boolean().nullish(),
  created_at: z.string().nullish(),
  started_at: z.string().nullish(),
  finished_at: z.string().nullish(),
});

export const PipelineHook = z.object({
  object_attributes: z.object({ sha: z.string(), status: z.string() }),
  project: z.object({
    path_with_namespace: z.string(),
    web_url: z.string().nullish(),
    git_http_url: z.string().nullish(),
  }),
  builds: z.array(Build).nullish(),
});
export type PipelineHook = z.infer<typeof PipelineHook>;

// GitLab writes "2016-08-12 15:26:29 UTC" here (ISO 8601 in newer versions); both parse.
const when = (t: string | null | undefined): number =>
  t ? Date.parse(t.replace(' UTC', 'Z').replace(' ', 'T')) || 0 : 0;
const changedAt = (b: z.infer<typeof Build>) => Math.max(when(b.finished_at), when(b.started_at), when(b.created_at));

/**
 * A Pipeline Hook as one `status` event. GitLab sends no Job Hook for an external commit status
 * (Argo CD, Flux, another CI): the status becomes a job of the commit's pipeline, and the
 * pipeline's status change is what reaches webhooks. The hook lists the pipeline's jobs without
 * saying which one changed, so the event carries the job that changed last; whoever acts on it
 * (a merge waiting for that commit, a promotion check) reads every status from the API anyway.
 */
export function pipelineStatus(
  rawBody: Buffer,
): { project: PipelineHook['project']; sha: string; status: StatusEvent['status'] } | { ignored: string } {
  const p = parsePayload(rawBody, PipelineHook, 'GitLab pipeline');
  const builds = [...(p.builds ?? [])].sort((a, b) => changedAt(b) - changedAt(a) || (b.id ?? 0) - (a.id ?? 0));
  const last = builds[0];
  if (!last) return { ignored: `GitLab pipeline event for ${p.object_attributes.sha.slice(0, 7)} lists no jobs` };
  const { status } = fromGitlabStatus({
    name: last.name,
    status: last.status,
    allow_failure: last.allow_failure ?? false,
  });
  return { project: p.project, sha: p.object_attributes.sha, status };
}
