import { z } from 'zod';
import type { ParsedWebhook, RepoRef } from '../../core/push-event.js';
import type { PullRequestAction } from '../../core/review-events.js';
import { parsePayload } from '../payload.js';
import { fromCheckRun, fromStatus } from './checks.js';
import { parseGithubComment } from './comment-events.js';

const Repo = z.object({ full_name: z.string(), clone_url: z.string(), html_url: z.string() });
const repoRef = (r: z.infer<typeof Repo>): RepoRef => ({
  fullName: r.full_name,
  cloneUrl: r.clone_url,
  webUrl: r.html_url,
});

const PullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    merged: z.boolean().nullish(),
    labels: z.array(z.object({ name: z.string() })).nullish(),
    merge_commit_sha: z.string().nullish(),
    head: z.object({ ref: z.string(), sha: z.string(), repo: z.object({ full_name: z.string() }).nullish() }),
    base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }) }),
  }),
  repository: Repo,
});

const StatusPayload = z.object({
  sha: z.string(),
  state: z.string(),
  context: z.string(),
  description: z.string().nullish(),
  target_url: z.string().nullish(),
  updated_at: z.string().optional(),
  repository: Repo,
});

const CheckRunPayload = z.object({
  check_run: z.object({
    name: z.string(),
    head_sha: z.string(),
    status: z.string(),
    conclusion: z.string().nullish(),
    details_url: z.string().nullish(),
    html_url: z.string().nullish(),
    output: z.object({ title: z.string().nullish() }).nullish(),
  }),
  repository: Repo,
});

// Everything else (edited, review requested…) changes nothing dispatchd acts on. A label added
// or removed can make a `labels` condition match: planned as an update of the same head.
const ACTIONS: Record<string, PullRequestAction> = {
  opened: 'opened',
  reopened: 'opened',
  ready_for_review: 'opened',
  synchronize: 'updated',
  labeled: 'updated',
  unlabeled: 'updated',
  closed: 'closed',
};

interface Meta {
  host: string;
  deliveryId: string;
  receivedAt: number;
}

/** GitHub's `pull_request`, `issue_comment`, `status` and `check_run` events; undefined for any other event name. */
export function parseGithubReview(event: string, rawBody: Buffer, m: Meta): ParsedWebhook | undefined {
  const base = { host: m.host, scm: 'github' as const, deliveryId: m.deliveryId, receivedAt: m.receivedAt };
  if (event === 'pull_request') {
    const p = parsePayload(rawBody, PullRequestPayload, 'GitHub pull_request');
    const action = ACTIONS[p.action];
    if (!action)
      return { kind: 'ignored', reason: `pull_request action "${p.action}" changes nothing dispatchd acts on` };
    const pr = p.pull_request;
    const merged = action === 'closed' && pr.merged === true;
    return {
      kind: 'review',
      event: {
        kind: 'pull-request',
        ...base,
        repo: repoRef(p.repository),
        action: merged ? 'merged' : action,
        number: p.number,
        head: pr.head.ref,
        base: pr.base.ref,
        headSha: pr.head.sha,
        // A deleted fork leaves head.repo null: still not this repository.
        fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
        labels: (pr.labels ?? []).map((l) => l.name),
        ...(merged && pr.merge_commit_sha ? { mergeSha: pr.merge_commit_sha } : {}),
      },
    };
  }
  if (event === 'issue_comment') return parseGithubComment(rawBody, m);
  if (event === 'status') {
    const p = parsePayload(rawBody, StatusPayload, 'GitHub status');
    const { status } = fromStatus(p);
    return { kind: 'review', event: { kind: 'status', ...base, repo: repoRef(p.repository), sha: p.sha, status } };
  }
  if (event === 'check_run') {
    const p = parsePayload(rawBody, CheckRunPayload, 'GitHub check_run');
    const { status } = fromCheckRun(p.check_run);
    return {
      kind: 'review',
      event: { kind: 'status', ...base, repo: repoRef(p.repository), sha: p.check_run.head_sha, status },
    };
  }
  return undefined;
}
