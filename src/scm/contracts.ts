import type { ParsedWebhook, ScmKind } from '../core/push-event.js';
import type { CommitStatus } from '../core/commit-status.js';
import type { GitRemote } from '../git/remote.js';

/** A webhook request as the receiver saw it: lower-cased headers and the raw body bytes. */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** What a parser needs to know about the host the request arrived on. */
export interface WebhookContext {
  /** The configured host name (`/hooks/<hostName>`). */
  hostName: string;
  /** The host's web and git base URL from config, e.g. `https://github.com`. */
  hostUrl: string;
  /**
   * Every secret that may sign a request to this host: the host's and its repositories' own
   * (several each during rotation). Which of them verified a request decides, once it is parsed,
   * which repositories it may speak for; that is the receiver's business, not the parser's.
   */
  secrets: string[];
  /** Receipt time in ms since the epoch; timestamped signatures are checked against it. */
  now: number;
}

/**
 * One per SCM kind. Needs no API client: parsing and verification use only the request and the
 * host's secrets. Every method throws `WebhookError` (with a message saying what to fix).
 */
export interface WebhookParser {
  readonly kind: ScmKind;
  /**
   * Throws `WebhookError(401)` unless the request is signed by one of `ctx.secrets`. Returns the
   * indexes in `ctx.secrets` of the secrets that verified it, one per check that ran (GitLab may
   * check a token and a signature). Every secret is tried, in constant time over the raw body,
   * so the answer's timing does not tell which one matched.
   */
  verify(req: WebhookRequest, ctx: WebhookContext): number[];
  /**
   * The headers this SCM names a delivery (the first present wins) and its event with. deliveryId
   * reads them; so do the receiver's log lines and request context, which must not throw.
   */
  readonly headers: { readonly delivery: readonly string[]; readonly event: string };
  /** The SCM's delivery id; stable across that SCM's redeliveries. Throws 400 when absent. */
  deliveryId(req: WebhookRequest): string;
  /** Normalise a verified request; throws `WebhookError(400)` on a malformed body. */
  parse(req: WebhookRequest, ctx: WebhookContext): ParsedWebhook;
}

/** How `head` relates to `base` in history, in the words of GitHub's compare API. */
export type Ancestry = 'ahead' | 'behind' | 'identical' | 'diverged';

export interface Comparison {
  /** `ahead`: base is an ancestor of head; `behind`: head is an ancestor of base. */
  status: Ancestry;
  /**
   * Paths changed from the merge base to head, or null when the SCM capped its answer (GitHub:
   * 300 files or 250 commits) or did not list them: callers then treat every path as changed.
   */
  files: string[] | null;
}

export interface PullRequest {
  number: number;
  url: string;
  head: string;
  base: string;
  state: 'open' | 'closed' | 'merged';
  title: string;
  body: string;
  /**
   * Where the SCM says so on a read (getPullRequest): the head commit, whether the head lives in
   * another repository (a fork), and the label names. A chatops comment is planned from these.
   */
  headSha?: string;
  fork?: boolean;
  labels?: string[];
}

export interface PullRequestInput {
  head: string;
  base: string;
  title: string;
  body: string;
}

/** How a pull request is merged: a merge commit, one squashed commit, or its commits rebased. */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface MergeOptions {
  /** Default: the SCM's default (a merge commit; GitLab and Bitbucket Server: the project's setting). */
  method?: MergeMethod;
  /** Merge only if the head is still this commit (the one whose checks passed), where the SCM can say so. */
  sha?: string;
}

export type { CommitState, CommitStatus } from '../core/commit-status.js';

/** What the SCM answered to a request for its own auto-merge. */
export type AutoMergeAnswer =
  | { enabled: true }
  /** Not handed over (the repository does not allow it, the PR is already mergeable...): merge yourself. */
  | { enabled: false; reason: string };

/**
 * The SCM's own merge-when-green (GitHub auto-merge, GitLab merge when the pipeline succeeds).
 * Optional: SCMs without one leave it out and dispatchd merges itself.
 */
export interface NativeAutoMerge {
  /**
   * The check contexts the SCM itself will hold the merge for into `base`, given the checks
   * reported on the head now: GitHub, the branch protection's required checks; GitLab, every
   * status in the head pipeline. A context not in this list is not waited for by the SCM.
   */
  enforced(repo: string, base: string, checks: readonly CommitStatus[]): Promise<string[]>;
  /** Asks the SCM to merge pull request `number` once its own rules pass, naming the head commit. */
  enable(repo: string, number: number, opts: { method: MergeMethod; sha: string }): Promise<AutoMergeAnswer>;
  /** Takes the request back (a failed check, a timeout); no error when none is set. */
  disable(repo: string, number: number): Promise<void>;
}

/** What the SCM says a user may do in a repository, for chatops. */
export interface WriteAccess {
  /** The user may push to the repository (GitHub: write or above; GitLab: Developer or above). */
  allowed: boolean;
  /**
   * The user's role and the roles that may, in the SCM's words, to follow the user's name:
   * "is Reporter of g/app; only a Developer, Maintainer or Owner may".
   */
  said: string;
}

/** Pull requests on an SCM that has them (`ScmProvider.pulls`). Errors as for ScmProvider. */
export interface PullRequestApi {
  /** The open pull request from `head` into `base`, if any. */
  findPullRequest(repo: string, head: string, base: string): Promise<PullRequest | null>;
  createPullRequest(repo: string, input: PullRequestInput): Promise<PullRequest>;
  updatePullRequest(
    repo: string,
    number: number,
    input: Pick<PullRequestInput, 'title' | 'body'>,
  ): Promise<PullRequest>;
  mergePullRequest(repo: string, number: number, opts?: MergeOptions): Promise<void>;
  comment(repo: string, number: number, body: string): Promise<void>;
  /** One pull request by number, in its current state. Throws PermanentError when there is none. */
  getPullRequest(repo: string, number: number): Promise<PullRequest>;
  /**
   * The status contexts the SCM itself requires before a merge into `branch` (GitHub: branch
   * protection's required status checks); optional: SCMs without such a list leave it out.
   */
  requiredChecks?(repo: string, branch: string): Promise<string[]>;
  /**
   * Whether the user with this SCM user id may write to the repository: asked for every chatops
   * comment (CommentEvent.checkAuthor) before it plans anything. GitHub answers from the
   * collaborator permission API (an author_association of MEMBER can hold read or triage only),
   * GitLab from project membership. Optional: an SCM without chatops (Bitbucket) leaves it out.
   */
  writeAccess?(repo: string, userId: string): Promise<WriteAccess>;
  /** The SCM's own auto-merge, where it has one (docs/gitops.md#merge-when-green). */
  readonly autoMerge?: NativeAutoMerge;
}

/**
 * The SCM API, one implementation per kind. `repo` is `RepoRef.fullName`. Writes to repository
 * contents go through git, never through this API. Errors: `PermanentError` for 4xx that retrying
 * cannot fix, `TransientError` (with `retryAfterMs` when known) for 5xx, network and rate limits.
 */
export interface ScmProvider {
  readonly kind: ScmKind;
  /**
   * File text at a commit, or null when the file does not exist there. A file over `maxBytes`
   * (default DEFAULT_READ_LIMIT) throws FileTooLargeError after reading at most the limit plus
   * one network chunk of it: the size is the pusher's choice, so the read must not be.
   */
  readFile(repo: string, path: string, ref: string, maxBytes?: number): Promise<string | null>;
  /**
   * The commit a ref points at now, read from the SCM (tags peeled to their commit), or null when
   * the ref does not exist. `ref` is a full ref: `refs/heads/main`, `refs/tags/v1.2.0`.
   */
  refTip(repo: string, ref: string): Promise<string | null>;
  /** How `head` relates to `base`, and the paths changed from their merge base to `head`. */
  compare(repo: string, base: string, head: string): Promise<Comparison>;
  defaultBranch(repo: string): Promise<string>;
  setStatus(repo: string, sha: string, status: CommitStatus): Promise<void>;
  /**
   * The statuses/checks on a commit, newest per context (GitHub: combined statuses + check runs,
   * a check run's name as its context). States are normalised: anything queued or running is
   * `pending`; a cancelled or stopped check is `error`. Plain git has none: `[]`.
   */
  commitChecks(repo: string, sha: string): Promise<CommitStatus[]>;
  /**
   * The pull-request part of the API. A plain git host has none and leaves it out: the GitOps
   * update then commits to branches only, and nothing that needs a pull request is asked of it.
   */
  readonly pulls?: PullRequestApi;
  /** How git clones and pushes this repository with the host's credentials. */
  gitRemote(repo: string): Promise<GitRemote>;
  /** Web URL of a commit, for PR bodies and links. */
  commitUrl(repo: string, sha: string): string;
}

/** The first of `names` present in `headers`, for logs (no check that the SCM sent it). */
export function firstHeader(
  headers: Record<string, string | string[] | undefined>,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const v = headers[name];
    const one = Array.isArray(v) ? v[0] : v;
    if (one) return one;
  }
  return undefined;
}
