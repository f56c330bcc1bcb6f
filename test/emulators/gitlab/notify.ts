import type { WebhookRecord, Webhooks } from '../common/webhooks.js';
import type { GitlabContext, ProjectHandle } from './context.js';
import { pipelineStatus } from './pipelines.js';
import { userId } from './shapes.js';
import type { MergeRequestRecord, StatusRecord } from './store.js';

/** The subscriptions a GitLab project hook has (its `*_events` flags). */
export const GITLAB_HOOK_EVENTS = [
  'push_events',
  'merge_requests_events',
  'note_events',
  'pipeline_events',
  'job_events',
] as const;

/** The headers GitLab sends with a project hook delivery (docs: "Webhooks", "Delivery headers"). */
export function gitlabHeaders(base: string) {
  return (hook: WebhookRecord, event: string, _body: string, id: string): Record<string, string> => ({
    'content-type': 'application/json',
    'user-agent': 'GitLab/17.6.0',
    'x-gitlab-event': event,
    'x-gitlab-instance': base,
    'x-gitlab-webhook-uuid': `hook-${hook.id}`,
    'x-gitlab-event-uuid': id,
    // Kept across GitLab's own retries (17.4+); a new event gets a new one.
    'idempotency-key': id,
    ...(hook.secret !== undefined ? { 'x-gitlab-token': hook.secret } : {}),
  });
}

// GitLab's "2016-08-12 15:26:29 UTC" timestamps in hook bodies.
export const hookTime = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : null);

export function projectHook(ctx: GitlabContext, p: ProjectHandle): Record<string, unknown> {
  const web = `${ctx.base.url}/${p.fullName}`;
  return {
    id: p.state.id,
    name: p.fullName.split('/').pop(),
    web_url: web,
    git_ssh_url: `git@127.0.0.1:${p.fullName}.git`,
    git_http_url: `${web}.git`,
    namespace: p.fullName.split('/').slice(0, -1).join('/'),
    visibility_level: 0,
    path_with_namespace: p.fullName,
    default_branch: p.defaultBranch,
    homepage: web,
    url: `${web}.git`,
  };
}

export const userHook = (ctx: GitlabContext, username: string) => ({
  id: userId(username),
  name: username,
  username,
  avatar_url: `${ctx.base.url}/uploads/-/system/user/avatar/1/avatar.png`,
  email: '[REDACTED]',
});

/**
 * A Merge Request Hook as GitLab sends it: `object_attributes.action` open, update (with
 * `oldrev` when the source branch moved), merge, close or reopen.
 */
export function notifyMergeRequest(
  ctx: GitlabContext,
  hooks: Webhooks,
  p: ProjectHandle,
  mr: MergeRequestRecord,
  action: 'open' | 'update' | 'merge' | 'close' | 'reopen',
  by: string,
  oldrev?: string,
): void {
  if (!hooks.wants(p.fullName, 'merge_requests_events')) return;
  const project = projectHook(ctx, p);
  const url = `${ctx.base.url}/${p.fullName}/-/merge_requests/${mr.iid}`;
  hooks.notify(p.fullName, 'merge_requests_events', 'Merge Request Hook', {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: userHook(ctx, by),
    project,
    object_attributes: {
      id: mr.id,
      iid: mr.iid,
      author_id: 1,
      assignee_id: null,
      updated_by_id: null,
      last_edited_at: null,
      last_edited_by_id: null,
      milestone_id: null,
      head_pipeline_id: null,
      merge_status: mr.state === 'opened' ? 'can_be_merged' : 'unchecked',
      merge_error: null,
      merge_params: { force_remove_source_branch: '0' },
      merge_user_id: null,
      merge_when_pipeline_succeeds: false,
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
      deleted_at: null,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      source_project_id: p.state.id,
      target_project_id: p.state.id,
      source: project,
      target: project,
      last_commit: { id: mr.sha, url: `${ctx.base.url}/${p.fullName}/-/commit/${mr.sha}` },
      merge_commit_sha: mr.mergeCommitSha,
      work_in_progress: mr.draft,
      draft: mr.draft,
      created_at: hookTime(mr.createdAt),
      updated_at: hookTime(mr.updatedAt),
      url,
      action,
      ...(oldrev !== undefined ? { oldrev } : {}),
    },
    labels: [],
    changes: oldrev !== undefined ? {} : { state_id: {} },
    repository: { name: project.name, url: project.url, homepage: project.homepage },
  });
}

/** Newest status per name on `sha`: what the commit's pipeline is made of. */
function pipelineJobs(p: ProjectHandle, sha: string): StatusRecord[] {
  const onCommit = p.state.statuses.filter((s) => s.sha === sha);
  return onCommit.filter((s, i) => !onCommit.slice(i + 1).some((n) => n.name === s.name));
}

/** The status of the commit's pipeline now (null: no status, no pipeline). */
export const commitPipeline = (p: ProjectHandle, sha: string) =>
  pipelineStatus(pipelineJobs(p, sha).map((s) => ({ state: s.status })));

/**
 * After an external status is posted: GitLab sends no Job Hook for it, but when the status of
 * the commit's pipeline changes (a non-loopback transition) it sends a Pipeline Hook listing the
 * pipeline's jobs. `before` is the pipeline's status before the post.
 */
export function notifyPipeline(
  ctx: GitlabContext,
  hooks: Webhooks,
  p: ProjectHandle,
  sha: string,
  before: ReturnType<typeof pipelineStatus>,
): void {
  const jobs = pipelineJobs(p, sha);
  const status = commitPipeline(p, sha);
  if (status === null || status === before || !hooks.wants(p.fullName, 'pipeline_events')) return;
  const first = p.state.statuses.find((s) => s.sha === sha);
  const finished = status === 'success' || status === 'failed' || status === 'canceled';
  hooks.notify(p.fullName, 'pipeline_events', 'Pipeline Hook', {
    object_kind: 'pipeline',
    object_attributes: {
      id: first?.id ?? 0,
      ref: first?.ref ?? p.defaultBranch,
      tag: false,
      sha,
      before_sha: '0000000000000000000000000000000000000000',
      source: 'external',
      status,
      stages: ['external'],
      created_at: hookTime(first?.createdAt ?? null),
      finished_at: finished ? hookTime(new Date(ctx.now()).toISOString()) : null,
      duration: null,
    },
    user: userHook(ctx, jobs[jobs.length - 1]?.author ?? 'root'),
    project: projectHook(ctx, p),
    commit: { id: sha, url: `${ctx.base.url}/${p.fullName}/-/commit/${sha}` },
    builds: jobs.map((s) => ({
      id: s.id,
      stage: 'external',
      name: s.name,
      status: s.status,
      created_at: hookTime(s.createdAt),
      started_at: s.status === 'pending' ? null : hookTime(s.createdAt),
      finished_at: ['success', 'failed', 'canceled'].includes(s.status) ? hookTime(s.createdAt) : null,
      when: 'on_success',
      manual: false,
      allow_failure: false,
      user: userHook(ctx, s.author),
      runner: null,
      artifacts_file: { filename: null, size: null },
    })),
  });
}
