/** The emulator's in-memory GitLab state; repository contents live in the bare repos. */

export interface MergeRequestRecord {
  /** Instance-wide id; `iid` is the number within the project (`!iid`). */
  id: number;
  iid: number;
  state: 'opened' | 'closed' | 'merged';
  title: string;
  description: string | null;
  sourceBranch: string;
  targetBranch: string;
  /** Last known head commit, kept for when the source branch is deleted. */
  sha: string;
  /** When `sha` was first seen (ms); mergeability is "checking" for a while after. */
  shaSeenAt: number;
  draft: boolean;
  author: string;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  mergeCommitSha: string | null;
  /** Auto-merge (merge when the pipeline succeeds) as set through the merge API; absent or null when off. */
  autoMerge?: { user: string; squash: boolean } | null;
  /** Who merged it, and how: the merge call, or auto-merge when the head pipeline succeeded. */
  mergedBy?: string;
  mergedVia?: 'api' | 'auto-merge';
}

export interface NoteRecord {
  id: number;
  mergeRequestIid: number;
  body: string;
  author: string;
  createdAt: string;
}

export type CommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export interface StatusRecord {
  id: number;
  sha: string;
  ref: string | null;
  status: CommitStatusState;
  name: string;
  description: string | null;
  targetUrl: string | null;
  author: string;
  createdAt: string;
}

export interface ProjectState {
  id: number;
  fullName: string;
  nextIid: number;
  mergeRequests: MergeRequestRecord[];
  notes: NoteRecord[];
  statuses: StatusRecord[];
  /** Memberships by username: access level (10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner), invitation pending. */
  members: Map<string, { level: number; awaiting: boolean }>;
  /** merge-tree outcomes by `targetSha:sourceSha`: true when the two merge cleanly. */
  mergeable: Map<string, boolean>;
}

export interface GitlabStore {
  project(fullName: string): ProjectState;
  /** The full path of a project seen before under numeric `id` (GitLab accepts either). */
  pathOf(id: number): string | undefined;
  /** Unique ids across the emulator, like GitLab's database ids. */
  nextId(): number;
}

export function createStore(): GitlabStore {
  const projects = new Map<string, ProjectState>();
  const byId = new Map<number, string>();
  let id = 100;
  return {
    nextId: () => ++id,
    pathOf: (n) => byId.get(n),
    project(fullName) {
      let state = projects.get(fullName);
      if (state === undefined) {
        state = {
          id: ++id,
          fullName,
          nextIid: 1,
          mergeRequests: [],
          notes: [],
          statuses: [],
          members: new Map(),
          mergeable: new Map(),
        };
        projects.set(fullName, state);
        byId.set(state.id, fullName);
      }
      return state;
    },
  };
}
