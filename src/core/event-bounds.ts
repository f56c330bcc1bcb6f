import { WebhookError } from './errors.js';
import type { PushEvent } from './push-event.js';
import type { ReviewEvent } from './review-events.js';

/**
 * What a pushed event may carry into Redis, the audit trail and PR text. A payload is the
 * pusher's to shape: past these, a name is refused (no git ref is that long) and free text is
 * cut, so no field can make a job, a record or a PR body grow without bound.
 */
export const EVENT_BOUNDS = {
  /** git allows longer refs in theory; the SCMs refuse names this long long before. */
  refBytes: 1024,
  repoNameBytes: 512,
  messageBytes: 16 * 1024,
  pusherBytes: 256,
  /** Past this many paths the list counts as incomplete: the SCM is asked to compare. */
  changedPaths: 3000,
  pathBytes: 4096,
  /** Labels of one pull request: GitHub's names are at most 50 characters, GitLab's 255. */
  labels: 100,
  labelBytes: 1024,
  /** A chatops command line: `/deploy staging`, not an essay. */
  commandBytes: 256,
} as const;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function cut(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  return `${Buffer.from(s, 'utf8')
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')}… (cut at ${max} bytes)`;
}

/** Refuses names past their bound (400 saying which) and cuts free text; returns a bounded copy. */
export function boundEvent(e: PushEvent): PushEvent {
  const refuse = (what: string, value: string, max: number) => {
    if (bytes(value) > max)
      throw new WebhookError(
        400,
        'field_too_long',
        `the payload's ${what} is ${bytes(value)} bytes, over dispatchd's ${max}-byte limit; no SCM sends one that long`,
      );
  };
  refuse('ref', e.ref, EVENT_BOUNDS.refBytes);
  refuse('repository name', e.repo.fullName, EVENT_BOUNDS.repoNameBytes);
  const out: PushEvent = { ...e, pusher: cut(e.pusher, EVENT_BOUNDS.pusherBytes) };
  if (e.headCommit)
    out.headCommit = {
      ...e.headCommit,
      message: cut(e.headCommit.message, EVENT_BOUNDS.messageBytes),
      ...(e.headCommit.author ? { author: cut(e.headCommit.author, EVENT_BOUNDS.pusherBytes) } : {}),
    };
  if (e.changedPaths) {
    const kept = e.changedPaths.filter((p) => bytes(p) <= EVENT_BOUNDS.pathBytes).slice(0, EVENT_BOUNDS.changedPaths);
    out.changedPaths = kept;
    if (kept.length < e.changedPaths.length) out.commitsTruncated = true;
  }
  return out;
}

/**
 * Refuses a pull request whose labels are past their bounds (400 saying which). Refused, not
 * cut: a label left out could be the one a `!` glob keeps an action from firing on. A chatops
 * command line and its author are cut like other free text.
 */
export function boundReview(e: ReviewEvent): ReviewEvent {
  if (e.kind === 'comment') {
    checkLabels(e.number, e.pull?.labels);
    return {
      ...e,
      command: cut(e.command, EVENT_BOUNDS.commandBytes),
      author: cut(e.author, EVENT_BOUNDS.pusherBytes),
    };
  }
  if (e.kind === 'pull-request') checkLabels(e.number, e.labels);
  return e;
}

function checkLabels(number: number, labels: string[] | undefined): void {
  if (labels === undefined) return;
  if (labels.length > EVENT_BOUNDS.labels)
    throw new WebhookError(
      400,
      'too_many_labels',
      `pull request #${number} has ${labels.length} labels, over dispatchd's limit of ${EVENT_BOUNDS.labels}; remove some labels and the next event is accepted`,
    );
  const long = labels.find((l) => bytes(l) > EVENT_BOUNDS.labelBytes);
  if (long !== undefined)
    throw new WebhookError(
      400,
      'field_too_long',
      `a label of pull request #${number} is ${bytes(long)} bytes, over dispatchd's ${EVENT_BOUNDS.labelBytes}-byte limit; no SCM allows one that long`,
    );
}
