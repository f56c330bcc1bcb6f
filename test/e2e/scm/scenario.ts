import type { ScmKind } from '../../../src/core/push-event.js';
import type { GitServer } from '../../helpers/git-server.js';
import type { ApiCall } from '../../emulators/common/call-log.js';

/** An open pull (merge) request as the emulator holds it, the same shape for every SCM. */
export interface OpenPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
}

/** A commit status as the emulator holds it, states mapped to dispatchd's own words. */
export interface SeenStatus {
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  url: string;
  description: string;
}

/**
 * One SCM's side of the shared end-to-end suite: its emulator, the host YAML that points
 * dispatchd at it, and its real webhook payloads re-aimed at the emulator's repositories.
 * Everything SCM-specific lives behind this; the suite asserts the same things for each.
 */
export interface ScmScenario {
  kind: ScmKind;
  /** `/hooks/<hostName>`. */
  hostName: string;
  /** The source repository, as dispatchd names it (`fullName`). */
  app: string;
  /** The GitOps repository, as dispatchd names it. */
  gitops: string;
  /** The URL a Dispatchfile gives for the GitOps repository. */
  gitopsUrl: string;
  git: GitServer;
  /** The repositories' names on `git` when they differ from dispatchd's (a plain git host keeps `.git`). */
  onGit?: { app: string; gitops: string };
  /** Whether this SCM has pull requests and statuses (a plain git host has neither). */
  hasApi: boolean;
  /** Whether its push payload lists changed files; when not, `paths` needs the SCM's compare. */
  payloadListsFiles: boolean;
  /** The `hosts.<hostName>` YAML block (indented two spaces under `hosts:`). */
  hostYaml(secret: string): string;
  /** The signed push webhook body for a branch moving `before` → `after`, changing `files`. */
  pushBody(branch: string, before: string, after: string, files: string[]): string;
  /** The body of a push that deletes `branch`, which pointed at `sha`. */
  deleteBody(branch: string, sha: string): string;
  openPulls(): OpenPull[];
  /** How many pull requests were ever created in the GitOps repository. */
  pullsCreated(): number;
  /** The link a status should carry for pull request `number`. */
  pullUrl(number: number): RegExp;
  statuses(sha: string): SeenStatus[];
  /** API calls that computed changed paths (compare/diffstat). */
  compareCalls(): number;
  /**
   * Optional, for tests that drive many source repositories through one emulator (the
   * convergence property test): the push body for another source repository `app` of this host,
   * as `pushBody` builds it for `this.app`; `forced` marks the push forced where the SCM says so.
   */
  pushBodyFor?(
    app: string,
    branch: string,
    before: string,
    after: string,
    files: string[],
    opts?: { forced?: boolean },
  ): string;
  /**
   * Optional, for the promotion suite: what a reviewer and Argo CD or Flux do in the GitOps
   * repository, through the SCM's own API: merge a pull request, post a commit status.
   */
  gitopsActions?: {
    merge(number: number): Promise<void>;
    postStatus(
      sha: string,
      context: string,
      state: 'success' | 'failure' | 'pending',
      description: string,
    ): Promise<void>;
    /** Close a pull request without merging it (Bitbucket: decline). */
    decline?(number: number): Promise<void>;
  };
  /**
   * Optional: the GitOps repository's webhook, registered through the SCM's own API as a user
   * would, with the pull-request and status events docs/promotion.md lists for that SCM.
   */
  gitopsHook?: {
    add(url: string, secret: string): Promise<void>;
    /** Whether the SCM sends an event when a commit status changes (Bitbucket Server sends none). */
    sendsStatusEvents: boolean;
    /** What the emulator sent to the hook so far: the event name and the receiver's answer. */
    deliveries(): { event: string; statusCode: number }[];
  };
  /** Optional: the SCM's own auto-merge as its emulator records it, and the comments on a pull request. */
  nativeMerge?: {
    enabled(number: number): boolean;
    /** How a merged pull request was merged: by the merge call, or by the SCM's auto-merge. */
    mergedVia(number: number): 'api' | 'auto-merge' | undefined;
    comments(number: number): string[];
  };
  /** Optional: how many pull requests were ever created (open or not) from head branch `head`. */
  pullsFrom?(head: string): number;
  /** Optional: API calls that read a ref's tip (the call dispatchd makes to plan a push). */
  refTipCalls?(): number;
  /** Optional: every API call the emulator answered so far, in order (the bench counts them per update). */
  apiCalls?(): ApiCall[];
  close(): Promise<void>;
}
