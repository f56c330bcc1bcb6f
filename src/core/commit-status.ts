/** A commit status (or check) as dispatchd reads and writes it on every SCM; scm/contracts.ts re-exports it. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  state: CommitState;
  /** e.g. `dispatchd/deploy`; one status line per task. */
  context: string;
  /** At most 140 characters are kept by GitHub; providers truncate. */
  description: string;
  targetUrl?: string;
}
