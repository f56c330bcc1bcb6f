import type { CommitStatus } from './commit-status.js';

/**
 * Something that happened in a GitOps repository dispatchd writes to: a pull request it opened
 * changed state, or a status arrived on a commit there (Argo CD and Flux post these on the
 * revision they synced). Promotion listens to these; nothing else in the event says which SCM
 * it came from.
 */
export type GitopsEvent =
  | {
      type: 'pull-request';
      action: 'opened' | 'updated' | 'merged' | 'closed';
      /** Configured host name and repository (`RepoRef.fullName`) of the GitOps repository. */
      host: string;
      repo: string;
      number: number;
      /** Head and base branch names. */
      head: string;
      base: string;
      /** The head commit the event is about, when known. */
      headSha?: string;
      /** For `merged`: the base branch's commit that carries the merge, when known. */
      mergeSha?: string;
      /**
       * `dispatchd` when dispatchd merged it itself (merge when green), `auto-merge` when the SCM's
       * own auto-merge merged it after dispatchd asked (seen by the merge job), else the SCM's webhook.
       */
      by: 'dispatchd' | 'auto-merge' | 'webhook';
    }
  | {
      type: 'status';
      host: string;
      repo: string;
      sha: string;
      status: CommitStatus;
    };

/** Injected where GitOps events arise; the default does nothing. Errors are logged, never retried. */
export type OnGitopsEvent = (event: GitopsEvent) => Promise<void> | void;

export const ignoreGitopsEvent: OnGitopsEvent = () => undefined;
