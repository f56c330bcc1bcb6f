import type { CommitState, CommitStatus } from '../contracts.js';
import type { DatedStatus } from '../newest-per-context.js';

/** A commit status (an external status or a CI job) as GitLab lists it for a commit. */
export interface GitlabStatus {
  id?: number;
  status: string;
  name: string;
  description?: string | null;
  target_url?: string | null;
  allow_failure?: boolean;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
}

// Every state of a job or status that has not finished yet, in GitLab's words.
const UNFINISHED = new Set([
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'scheduled',
  'manual',
]);

function state(s: GitlabStatus): CommitState {
  if (s.status === 'success') return 'success';
  // GitLab itself lets a pipeline pass over a job allowed to fail; so does a gate.
  if (s.status === 'failed') return s.allow_failure === true ? 'success' : 'failure';
  if (UNFINISHED.has(s.status)) return 'pending';
  // canceled, skipped: stopped before a verdict.
  return 'error';
}

export function fromGitlabStatus(s: GitlabStatus): DatedStatus {
  const status: CommitStatus = {
    state: state(s),
    context: s.name,
    description: s.description ?? (s.status === 'failed' && s.allow_failure ? 'failed (allowed to fail)' : s.status),
  };
  if (s.target_url) status.targetUrl = s.target_url;
  return { status, at: s.finished_at ?? s.started_at ?? s.created_at ?? s.id ?? 0 };
}
