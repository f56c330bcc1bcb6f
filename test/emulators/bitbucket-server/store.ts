/** The emulator's in-memory Bitbucket Server state; repository contents live in the bare repos. */

export interface PullRecord {
  id: number;
  /** Bumped on every change; PUT and merge must send the current one. */
  version: number;
  title: string;
  description: string;
  state: 'OPEN' | 'DECLINED' | 'MERGED';
  /** Fully qualified refs, `refs/heads/x`. */
  fromRef: string;
  toRef: string;
  fromCommit: string;
  toCommit: string;
  reviewers: string[];
  author: string;
  createdDate: number;
  updatedDate: number;
}

export interface CommentRecord {
  id: number;
  pullRequestId: number;
  text: string;
  author: string;
  createdDate: number;
}

/** One build status per (commit, key): posting a key again replaces it. */
export interface StatusRecord {
  sha: string;
  key: string;
  name: string | null;
  state: 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED';
  url: string;
  description: string | null;
  dateAdded: number;
}

export interface RepoState {
  id: number;
  nextPullId: number;
  pulls: PullRecord[];
  comments: CommentRecord[];
}

export interface ServerStore {
  repo(fullName: string): RepoState;
  /** Build statuses belong to commits, not repositories, in Bitbucket Server's API. */
  statuses: StatusRecord[];
  nextId(): number;
}

export function createStore(): ServerStore {
  const repos = new Map<string, RepoState>();
  let id = 100;
  return {
    statuses: [],
    nextId: () => ++id,
    repo(fullName) {
      const key = fullName.toLowerCase();
      let state = repos.get(key);
      if (state === undefined) {
        state = { id: ++id, nextPullId: 1, pulls: [], comments: [] };
        repos.set(key, state);
      }
      return state;
    },
  };
}
