import type { CommitStatus } from './commit-status.js';
import type { PushEvent, RepoRef, ScmKind } from './push-event.js';

/** What a pull-request webhook says happened, in the words every SCM maps onto. */
export type PullRequestAction = 'opened' | 'updated' | 'merged' | 'closed';

/**
 * A pull request (merge request) opened, updated (new head, or its labels changed: a label can
 * make an action match), merged or closed without merge.
 */
export interface PullRequestEvent {
  kind: 'pull-request';
  host: string;
  scm: ScmKind;
  deliveryId: string;
  /** The repository the pull request is in (its base). */
  repo: RepoRef;
  action: PullRequestAction;
  number: number;
  /** Head and base branch names. */
  head: string;
  base: string;
  /** The head commit as the SCM sent it (Bitbucket Cloud sends 12 characters). */
  headSha: string;
  /** The head lives in another repository: a fork, whose author controls it. */
  fork: boolean;
  /** The pull request's label names; absent where the SCM has no labels (both Bitbuckets). */
  labels?: string[];
  /** For `merged`, when the SCM sends it: the commit that carries the merge on the base. */
  mergeSha?: string;
  /** Planned for a chatops command: the comment's first line, matched against `chatops` globs. */
  comment?: string;
  receivedAt: number;
}

/** What a comment event says of its pull request, when it says it (GitLab); else read when planned. */
export interface CommentedPull {
  head: string;
  base: string;
  headSha: string;
  fork: boolean;
  labels?: string[];
  open: boolean;
}

/**
 * A chatops command: a new comment on a pull request whose first line is `/<command>`, by
 * someone the SCM says may write to the repository (others are answered "ignored").
 */
export interface CommentEvent {
  kind: 'comment';
  host: string;
  scm: ScmKind;
  deliveryId: string;
  repo: RepoRef;
  /** The pull request commented on. */
  number: number;
  /** The comment's first line, e.g. `/build now` (bounded). */
  command: string;
  author: string;
  /**
   * Set when the payload does not say whether the author may write (GitLab's Note Hook names the
   * user, not their role; GitHub's MEMBER or COLLABORATOR may hold read permission only): the
   * SCM is asked for this user's access (GitLab: user id; GitHub: login) before anything is planned.
   */
  checkAuthor?: { id: string };
  pull?: CommentedPull;
  receivedAt: number;
}

/** A commit status or check on a commit, as the SCM reported it changing. */
export interface StatusEvent {
  kind: 'status';
  host: string;
  scm: ScmKind;
  deliveryId: string;
  repo: RepoRef;
  sha: string;
  status: CommitStatus;
  receivedAt: number;
}

export type ReviewEvent = PullRequestEvent | StatusEvent | CommentEvent;

/** Whether an accepted delivery is a review (it has a `kind`) rather than a push. */
export const isReviewEvent = (e: PushEvent | ReviewEvent): e is ReviewEvent => 'kind' in e;
