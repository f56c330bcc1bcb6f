import type { CommitState, CommitStatus } from '../contracts.js';
import type { DatedStatus } from '../newest-per-context.js';

/** A check run as GitHub's checks API lists it, the fields dispatchd reads. */
export interface CheckRun {
  name: string;
  status: string;
  conclusion?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  details_url?: string | null;
  html_url?: string | null;
  output?: { title?: string | null } | null;
}

/** A commit status as GitHub's combined status lists it. */
export interface GithubStatus {
  state: string;
  context: string;
  description?: string | null;
  target_url?: string | null;
  updated_at?: string;
}

// GitHub's own reading for required checks: these conclusions let a protected branch merge.
const PASSING = new Set(['success', 'neutral', 'skipped']);
// A person or a newer run stopped it: not a verdict on the code, but nothing to merge on either.
const STOPPED = new Set(['cancelled', 'stale']);

function checkState(run: CheckRun): CommitState {
  if (run.status !== 'completed') return 'pending';
  const c = run.conclusion ?? '';
  if (PASSING.has(c)) return 'success';
  return STOPPED.has(c) ? 'error' : 'failure';
}

export function fromCheckRun(run: CheckRun): DatedStatus {
  const state = checkState(run);
  const status: CommitStatus = {
    state,
    context: run.name,
    description: (run.output?.title ?? (run.status === 'completed' ? (run.conclusion ?? '') : run.status)).slice(
      0,
      140,
    ),
  };
  const url = run.details_url ?? run.html_url;
  if (url) status.targetUrl = url;
  return { status, at: run.completed_at ?? run.started_at ?? 0 };
}

export function fromStatus(s: GithubStatus): DatedStatus {
  const state: CommitState =
    s.state === 'success' || s.state === 'failure' || s.state === 'error' ? s.state : 'pending';
  const status: CommitStatus = { state, context: s.context, description: s.description ?? '' };
  if (s.target_url) status.targetUrl = s.target_url;
  return { status, at: s.updated_at ?? 0 };
}
