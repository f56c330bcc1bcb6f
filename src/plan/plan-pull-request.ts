import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import { ZERO_SHA, type PushEvent } from '../core/push-event.js';
import type { PullRequestEvent } from '../core/review-events.js';
import { matchActions, needsChangedPaths, parseDispatchfile, StepBudget, type Trigger } from '../dispatchfile/index.js';
import { checkRefName } from '../gitops/value-hygiene.js';
import type { ScmProvider } from '../scm/contracts.js';
import { readDispatchfile, taskOutcomes, tipToPlan, type PushPlan } from './plan-push.js';

/** The pull-request actions that plan: a new or reopened pull request, and a new head commit. */
export const PLANNED_ACTIONS: readonly PullRequestEvent['action'][] = ['opened', 'updated'];

/**
 * The pull request's head as a pushed branch of the repository: statuses, variables
 * (`context.git.branch` is the head branch) and the environment's forward-only rule all read it.
 */
export function headAsPush(e: PullRequestEvent): PushEvent {
  return {
    host: e.host,
    scm: e.scm,
    deliveryId: e.deliveryId,
    repo: e.repo,
    ref: `refs/heads/${e.head}`,
    refType: 'branch',
    refName: e.head,
    before: ZERO_SHA,
    after: e.headSha,
    created: false,
    deleted: false,
    forced: false,
    pusher: '',
    receivedAt: e.receivedAt,
  };
}

/**
 * Plans a pull request's Dispatchfile `pull_request` actions. The Dispatchfile is read at the
 * base branch's tip, never the head: the pull request's author controls the head (a fork's
 * author is anyone), and the Dispatchfile decides what is deployed where. The commit planned is
 * the head branch's current tip (read from the SCM, as for pushes), provided the event's head
 * commit is on it. A fork's pull request plans nothing it could write: it fails, saying why.
 */
export async function planPullRequest(
  config: DispatchdConfig,
  e: PullRequestEvent,
  seq: number,
  provider: ScmProvider,
): Promise<PushPlan> {
  const repoConfig = config.repositories.find((r) => r.host === e.host && r.repo === e.repo.fullName);
  const path = repoConfig?.dispatchfile ?? 'Dispatchfile';
  const maxBytes = config.dispatchfileMaxBytes;
  checkRefName(e.head, 'pull request head branch');
  checkRefName(e.base, 'pull request base branch');
  const none = { dispatchfile: path, found: false, actions: 0, tasks: [] };
  const baseTip = await provider.refTip(e.repo.fullName, `refs/heads/${e.base}`);
  if (baseTip === null) return { ...none, skipped: `base branch ${e.base} of pull request #${e.number} is gone` };
  // A fork's head branch is not in this repository: nothing of it is read.
  let tip: string | undefined;
  if (!e.fork) {
    const head = await tipToPlan(headAsPush(e), provider);
    if ('skipped' in head) return { ...none, skipped: head.skipped };
    tip = head.tip;
  }
  const text = await readDispatchfile(provider, e.repo.fullName, path, baseTip, maxBytes);
  if (text === null) return { ...none, ...(tip ? { commit: tip } : {}) };
  const df = parseDispatchfile(text, path, { maxBytes });
  const budget = new StepBudget();
  let trigger: Trigger = {
    kind: 'pull_request',
    target: e.base,
    source: e.head,
    labels: e.labels ?? [],
    ...(e.comment !== undefined ? { comment: e.comment } : {}),
  };
  if (needsChangedPaths(df, trigger, budget)) {
    // A fork's changes are not compared (nothing of it is planned): any path may have changed.
    const changedPaths = tip ? (await provider.compare(e.repo.fullName, baseTip, tip)).files : null;
    trigger = { ...trigger, changedPaths };
  }
  // Where the SCM has no labels (Bitbucket), an action that asks for some never fires: not even
  // a `!` glob alone, which would otherwise pass an empty list.
  const actions = matchActions(df, trigger, budget).filter(
    (a) => e.labels !== undefined || a.on.pull_request?.labels === undefined,
  );
  const names = [...new Set(actions.flatMap((a) => a.tasks))];
  if (tip === undefined) {
    if (names.length > 0) throw forkRefused(e);
    return { ...none, found: true };
  }
  if (names.length === 0) return { ...none, found: true, commit: tip };
  const planned = { ...headAsPush(e), after: tip };
  const tasks = taskOutcomes(config, df, names, planned, seq, provider, { number: e.number, base: e.base });
  return { dispatchfile: path, found: true, actions: actions.length, tasks, commit: tip };
}

function forkRefused(e: PullRequestEvent): PermanentError {
  return new PermanentError(
    'pull_request_fork',
    `not deployed: pull request #${e.number} comes from a fork, whose author controls its head; ` +
      `dispatchd deploys only pull requests from branches of ${e.repo.fullName}`,
  );
}
