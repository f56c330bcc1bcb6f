import type { CommitState, CommitStatus } from './contracts.js';
import type { DatedStatus } from './newest-per-context.js';

/** A build status as Bitbucket Cloud and Server list them for a commit: one per `key`. */
export interface BitbucketBuildStatus {
  key: string;
  name?: string | null;
  state: string;
  url?: string | null;
  description?: string | null;
  /** Cloud: ISO text. */
  updated_on?: string;
  /** Server: ms since the epoch. */
  dateAdded?: number;
}

/**
 * Cloud's STOPPED and Server's CANCELLED/UNKNOWN are no verdict on the code: `error`, so nothing
 * merges or promotes on them, and a message can say the build was stopped rather than failed.
 */
function state(s: string): CommitState {
  if (s === 'SUCCESSFUL') return 'success';
  if (s === 'FAILED') return 'failure';
  if (s === 'INPROGRESS') return 'pending';
  return 'error';
}

/** The key is the context: it is what dispatchd's own `setStatus` writes and what CI sets. */
export function fromBuildStatus(b: BitbucketBuildStatus): DatedStatus {
  const status: CommitStatus = {
    state: state(b.state),
    context: b.key,
    description: b.description ?? b.name ?? b.state,
  };
  if (b.url) status.targetUrl = b.url;
  return { status, at: b.updated_on ?? b.dateAdded ?? 0 };
}
