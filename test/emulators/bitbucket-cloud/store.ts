/** The emulator's in-memory Bitbucket Cloud state; repository contents live in the bare repos. */

export interface PullRecord {
  id: number;
  title: string;
  description: string;
  state: 'OPEN' | 'MERGED' | 'DECLINED';
  source: string;
  destination: string;
  /** Last known commits, kept for when a branch moves or is deleted. */
  sourceHash: string;
  destinationHash: string;
  closeSourceBranch: boolean;
  author: string;
  createdOn: string;
  updatedOn: string;
  mergeCommit: string | null;
}

export interface CommentRecord {
  id: number;
  pullRequestId: number;
  raw: string;
  user: string;
  createdOn: string;
}

/** One build status per (commit, key): Bitbucket overwrites a status posted again with its key. */
export interface StatusRecord {
  sha: string;
  key: string;
  name: string | null;
  state: 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED';
  url: string;
  description: string | null;
  createdOn: string;
  updatedOn: string;
}

export interface RepoState {
  uuid: string;
  nextPullId: number;
  pulls: PullRecord[];
  comments: CommentRecord[];
  statuses: StatusRecord[];
}

export interface CloudStore {
  repo(fullName: string): RepoState;
  nextId(): number;
}

export function createStore(): CloudStore {
  const repos = new Map<string, RepoState>();
  let id = 5000;
  return {
    nextId: () => ++id,
    repo(fullName) {
      const key = fullName.toLowerCase();
      let state = repos.get(key);
      if (state === undefined) {
        state = { uuid: `{${crypto.randomUUID()}}`, nextPullId: 1, pulls: [], comments: [], statuses: [] };
        repos.set(key, state);
      }
      return state;
    },
  };
}
