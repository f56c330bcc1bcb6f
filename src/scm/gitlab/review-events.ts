import { z } from 'zod';
import type { ParsedWebhook } from '../../core/push-event.js';
import type { PullRequestAction } from '../../core/review-events.js';
import type { WebhookContext } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { parseGitlabNote } from './note-events.js';
import { pipelineStatus } from './pipeline-event.js';
import { Project, repoRef } from './project.js';
import { fromGitlabStatus } from './statuses.js';

const Labels = z.array(z.object({ title: z.string() })).nullish();

const MergeRequestHook = z.object({
  project: Project,
  labels: Labels,
  changes: z.object({ labels: z.unknown().optional() }).passthrough().nullish(),
  object_attributes: z.object({
    labels: Labels,
    iid: z.number().int(),
    action: z.string().nullish(),
    source_branch: z.string(),
    target_branch: z.string(),
    source_project_id: z.number().nullish(),
    target_project_id: z.number().nullish(),
    last_commit: z.object({ id: z.string() }),
    merge_commit_sha: z.string().nullish(),
    oldrev: z.string().nullish(),
  }),
});

const JobHook = z.object({
  sha: z.string(),
  build_name: z.string(),
  build_status: z.string(),
  build_allow_failure: z.boolean().nullish(),
  build_id: z.number().nullish(),
  build_finished_at: z.string().nullish(),
  project: Project.nullish(),
  repository: z.object({ homepage: z.string() }).nullish(),
});

// `update` is a new head when GitLab names the old one (oldrev), or a label change (a label can
// make an action match: the same head is planned again); else it is an edit.
const ACTIONS: Record<string, PullRequestAction> = {
  open: 'opened',
  reopen: 'opened',
  merge: 'merged',
  close: 'closed',
};

/** GitLab's merge request, note, job and pipeline events (kinds `merge_request`, `note`, `build`, `pipeline`); undefined for others. */
export function parseGitlabReview(
  kind: string,
  rawBody: Buffer,
  deliveryId: string,
  ctx: WebhookContext,
): ParsedWebhook | undefined {
  const base = { host: ctx.hostName, scm: 'gitlab' as const, deliveryId, receivedAt: ctx.now };
  if (kind === 'merge_request') {
    const p = parsePayload(rawBody, MergeRequestHook, 'GitLab merge_request');
    const a = p.object_attributes;
    const relabelled = p.changes?.labels !== undefined;
    const action = a.action === 'update' && (a.oldrev || relabelled) ? 'updated' : ACTIONS[a.action ?? ''];
    if (!action)
      return { kind: 'ignored', reason: `merge request action "${a.action ?? ''}" changes nothing dispatchd acts on` };
    return {
      kind: 'review',
      event: {
        kind: 'pull-request',
        ...base,
        repo: repoRef(p.project, ctx),
        action,
        number: a.iid,
        head: a.source_branch,
        base: a.target_branch,
        headSha: a.last_commit.id,
        fork: a.source_project_id != null && a.source_project_id !== a.target_project_id,
        labels: (p.labels ?? a.labels ?? []).map((l) => l.title),
        ...(action === 'merged' && a.merge_commit_sha ? { mergeSha: a.merge_commit_sha } : {}),
      },
    };
  }
  if (kind === 'build') {
    const p = parsePayload(rawBody, JobHook, 'GitLab job');
    // Older job hooks carry no project object: the repository's homepage names its path.
    const path = p.project?.path_with_namespace ?? (p.repository ? pathOfHomepage(p.repository.homepage) : '');
    if (!path) return { kind: 'ignored', reason: 'GitLab job event names no project' };
    const { status } = fromGitlabStatus({
      name: p.build_name,
      status: p.build_status,
      allow_failure: p.build_allow_failure ?? false,
    });
    return {
      kind: 'review',
      event: {
        kind: 'status',
        ...base,
        repo: repoRef(p.project ?? { path_with_namespace: path }, ctx),
        sha: p.sha,
        status,
      },
    };
  }
  if (kind === 'note') return parseGitlabNote(rawBody, deliveryId, ctx);
  if (kind === 'pipeline') {
    const p = pipelineStatus(rawBody);
    if ('ignored' in p) return { kind: 'ignored', reason: p.ignored };
    return {
      kind: 'review',
      event: { kind: 'status', ...base, repo: repoRef(p.project, ctx), sha: p.sha, status: p.status },
    };
  }
  return undefined;
}

/** The project path of a job hook's `repository.homepage`; '' when it is no URL (a damaged body: ignored, never a 500). */
function pathOfHomepage(homepage: string): string {
  try {
    return new URL(homepage).pathname.slice(1);
  } catch {
    return '';
  }
}
