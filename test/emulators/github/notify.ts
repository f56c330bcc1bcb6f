import type { GithubContext, RepoHandle } from './context.js';
import { recordDelivery, sendDelivery } from './deliveries.js';
import { renderPull } from './pull-view.js';
import { commentJson, repoJson, statusJson, userJson } from './shapes.js';
import type { CommentRecord, DeliveryRecord, PullRecord, StatusRecord } from './store.js';

/**
 * Sends an event to every active hook of the repository subscribed to it (or to `*`), as
 * GitHub's hookshot does: after the API call has answered, not before, so delivery order is
 * not promised; the deliveries are recorded like any other.
 */
function notify(ctx: GithubContext, r: RepoHandle, event: string, payload: Record<string, unknown>): void {
  for (const hook of r.state.hooks) {
    if (!hook.active || !(hook.events.includes(event) || hook.events.includes('*'))) continue;
    setImmediate(() => void sendDelivery(ctx, r.fullName, hook, { event, payload }).catch(() => undefined));
  }
}

const common = (ctx: GithubContext, r: RepoHandle, sender: string) => ({
  repository: repoJson(ctx.base, r.fullName, r.state.id, r.defaultBranch),
  sender: userJson(ctx.base, sender),
});

/**
 * `pull_request` with action opened, synchronize, closed (merged or not), reopened, or labeled
 * and unlabeled (one event per label, naming it in `label`), as GitHub sends it.
 */
export async function notifyPull(
  ctx: GithubContext,
  r: RepoHandle,
  p: PullRecord,
  action: 'opened' | 'synchronize' | 'closed' | 'reopened' | 'labeled' | 'unlabeled',
  sender: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (!r.state.hooks.some((h) => h.active)) return;
  notify(ctx, r, 'pull_request', {
    action,
    number: p.number,
    pull_request: await renderPull(ctx, r, p),
    ...extra,
    ...common(ctx, r, sender),
  });
}

/**
 * What GitHub does after a push to a branch: every open pull request whose head it is gets its
 * head refreshed and a `synchronize` event. `hold` records those deliveries without sending them
 * (hookshot promises no order: a test sends them late, with the emulator's `deliver`).
 */
export async function notifySynchronize(
  ctx: GithubContext,
  r: RepoHandle,
  branch: string,
  sender: string,
  hold: boolean,
): Promise<DeliveryRecord[]> {
  const held: DeliveryRecord[] = [];
  for (const p of r.state.pulls.filter((x) => x.state === 'open' && x.head === branch)) {
    const payload = {
      action: 'synchronize',
      number: p.number,
      pull_request: await renderPull(ctx, r, p),
      ...common(ctx, r, sender),
    };
    if (!hold) notify(ctx, r, 'pull_request', payload);
    else
      for (const hook of r.state.hooks.filter(
        (h) => h.active && (h.events.includes('pull_request') || h.events.includes('*')),
      ))
        held.push(recordDelivery(ctx, r.fullName, hook, { event: 'pull_request', payload }));
  }
  return held;
}

/** `issue_comment` created, for a comment on a pull request: the issue names it in `pull_request`. */
export async function notifyComment(ctx: GithubContext, r: RepoHandle, p: PullRecord, c: CommentRecord): Promise<void> {
  if (!r.state.hooks.some((h) => h.active)) return;
  const pull = await renderPull(ctx, r, p);
  notify(ctx, r, 'issue_comment', {
    action: 'created',
    issue: {
      url: pull.issue_url,
      html_url: pull.html_url,
      number: p.number,
      title: p.title,
      user: pull.user,
      labels: pull.labels,
      state: p.state,
      body: p.body,
      pull_request: { url: pull.url, html_url: pull.html_url, diff_url: pull.diff_url, patch_url: pull.patch_url },
    },
    comment: commentJson(ctx.base, r.fullName, c),
    ...common(ctx, r, c.user),
  });
}

/** `status`, sent for every status created on a commit of the repository. */
export function notifyStatus(ctx: GithubContext, r: RepoHandle, s: StatusRecord): void {
  notify(ctx, r, 'status', {
    ...statusJson(ctx.base, r.fullName, s),
    sha: s.sha,
    name: r.fullName,
    commit: { sha: s.sha },
    branches: [],
    ...common(ctx, r, s.creator),
  });
}
