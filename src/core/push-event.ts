import type { ReviewEvent } from './review-events.js';

/** The SCM kinds dispatchd speaks. `git` is any plain git remote with no pull-request API. */
export const SCM_KINDS = ['github', 'gitlab', 'bitbucket-cloud', 'bitbucket-server', 'git'] as const;
export type ScmKind = (typeof SCM_KINDS)[number];

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface RepoRef {
  /** `owner/name`; GitLab keeps nested groups (`group/sub/name`); Bitbucket Server `PROJECT/slug`. */
  fullName: string;
  cloneUrl: string;
  webUrl: string;
}

export interface HeadCommit {
  id: string;
  message: string;
  url?: string;
  author?: string;
}

/**
 * One pushed ref, the same shape for every SCM. Every SCM quirk stays in its parser; nothing
 * downstream knows which SCM sent the event.
 */
export interface PushEvent {
  /** The configured host name the webhook arrived on (`/hooks/<host>`). */
  host: string;
  scm: ScmKind;
  /** The SCM's delivery id; one delivery with several refs gives `<id>#<n>` for n > 0. */
  deliveryId: string;
  repo: RepoRef;
  /** Full ref, e.g. `refs/heads/staging`. */
  ref: string;
  refType: 'branch' | 'tag';
  /** `staging`, `v1.2.0`. */
  refName: string;
  before: string;
  /** The commit to read and build (for annotated tags the commit, not the tag object). */
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  pusher: string;
  headCommit?: HeadCommit;
  /** Paths changed by the push, when the payload lists them. */
  changedPaths?: string[];
  /** True when the payload's commit list is known to be incomplete (ask the SCM to compare). */
  commitsTruncated?: boolean;
  /** Milliseconds since the epoch at which the receiver accepted the delivery. */
  receivedAt: number;
}

/** What a webhook body amounts to once verified and parsed. */
export type ParsedWebhook =
  | { kind: 'ping'; message: string }
  | { kind: 'push'; events: PushEvent[] }
  | { kind: 'review'; event: ReviewEvent }
  | { kind: 'ignored'; reason: string };
