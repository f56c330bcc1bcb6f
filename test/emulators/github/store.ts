/** The emulator's in-memory GitHub state; repository contents live in the bare repos. */

export interface PullRecord {
  id: number;
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string | null;
  draft: boolean;
  /** Label names, in the order they were added. */
  labels?: string[];
  head: string;
  base: string;
  /** Last known head/base commits, kept for when a branch is deleted. */
  headSha: string;
  baseSha: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  /** Auto-merge as enabled through GraphQL (`enablePullRequestAutoMerge`); absent or null when off. */
  autoMerge?: AutoMergeRecord | null;
  /** Who merged it, and how: the REST merge call, or GitHub's auto-merge (as the user who enabled it). */
  mergedBy?: string;
  mergedVia?: 'api' | 'auto-merge';
}

export interface AutoMergeRecord {
  method: 'merge' | 'squash' | 'rebase';
  enabledBy: string;
  commitTitle: string | null;
  commitBody: string | null;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  /** GitHub's author_association of the commenter; CONTRIBUTOR when not set. */
  association?: string;
  createdAt: string;
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
}

/** A check run (GitHub's checks API): created by a GitHub App or CI, updated until completed. */
export interface CheckRunRecord {
  id: number;
  headSha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  detailsUrl: string | null;
  title: string | null;
  startedAt: string;
  completedAt: string | null;
}

export interface HookRecord {
  id: number;
  url: string;
  secret?: string;
  events: string[];
  active: boolean;
  createdAt: string;
}

export interface DeliveryRecord {
  id: number;
  guid: string;
  hookId: number;
  deliveredAt: string;
  redelivery: boolean;
  durationSec: number;
  statusCode: number;
  event: string;
  action: string | null;
  payload: unknown;
  requestHeaders: Record<string, string>;
  responseBody: string;
}

export interface RepoState {
  id: number;
  /** The name as first seen (the store's keys are lower-cased, as GitHub's names are case-insensitive). */
  fullName: string;
  /** The repository's "Allow auto-merge" setting; off by default, as on GitHub. */
  allowAutoMerge: boolean;
  /** PR and issue numbers share one sequence, as on GitHub. */
  nextNumber: number;
  pulls: PullRecord[];
  comments: CommentRecord[];
  statuses: StatusRecord[];
  checkRuns: CheckRunRecord[];
  /** Branch protection: branch → required status check contexts. */
  protections: Record<string, string[]>;
  /** Roles set by `setPermission`, by lower-cased login (admin, maintain, write, triage, read). */
  permissions: Record<string, string>;
  hooks: HookRecord[];
  deliveries: DeliveryRecord[];
}

export interface GithubStore {
  repo(fullName: string): RepoState;
  /** Unique ids across the emulator, like GitHub's database ids. */
  nextId(): number;
  /** Every repository seen so far (GraphQL names pull requests by node id, not by repository). */
  repos(): RepoState[];
  /** Installation tokens issued to the GitHub App, with expiry in ms since the epoch. */
  installationTokens: Map<string, number>;
}

export function createStore(): GithubStore {
  const repos = new Map<string, RepoState>();
  let id = 1000;
  return {
    installationTokens: new Map(),
    nextId: () => ++id,
    repos: () => [...repos.values()],
    repo(fullName) {
      let state = repos.get(fullName.toLowerCase());
      if (state === undefined) {
        state = {
          id: ++id,
          fullName,
          allowAutoMerge: false,
          nextNumber: 1,
          pulls: [],
          comments: [],
          statuses: [],
          checkRuns: [],
          protections: {},
          permissions: {},
          hooks: [],
          deliveries: [],
        };
        repos.set(fullName.toLowerCase(), state);
      }
      return state;
    },
  };
}
