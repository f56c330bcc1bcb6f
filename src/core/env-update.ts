import { createHash } from 'node:crypto';
import type { RepoId } from './repo-id.js';
import type { PromotionOrigin, RollbackOrigin } from './promotion-origin.js';

/** Everything a GitOps job needs to apply one push to one environment. Stored in Redis as JSON. */
export interface EnvUpdateSpec {
  seq: number;
  source: {
    host: string;
    fullName: string;
    sha: string;
    ref: string;
    refName: string;
    pusher: string;
    webUrl: string;
    commitUrl: string;
    message?: string;
    deliveryId: string;
    /**
     * Set when a Dispatchfile `pull_request` action planned this update: the commit is the pull
     * request's head, `ref` its head branch. Grants must say `pullRequests: true` for it.
     */
    pullRequest?: PullRequestOrigin;
  };
  task: string;
  /** The step's args with variables substituted, except image digests (see DIGEST_MARKER). */
  args: string[];
  workingSubdir: string;
  target: RepoId;
  /** The GitOps `git` resource's `revision` param, else the repository's default branch. */
  revision?: string;
  /** Image resource name → reference (`name:tag`), for digests resolved at apply time. */
  images: Record<string, string>;
  /**
   * Tasks this update depends on that the team's CI runs (tests, a build elsewhere): the update
   * waits for each one's commit status (`context`) on the source commit to succeed.
   */
  ciGates?: CiGate[];
  /** Directory part of -filepath after substitution: names the environment. */
  envDir: string;
  receivedAt: number;
  /**
   * When the plan that made this spec began (ms since the epoch): the GitOps mirror it starts
   * from is read after this (src/gitops/prefetch.ts). Absent on specs queued before it existed.
   */
  plannedAt?: number;
  /** Set when this update promotes another environment's (docs/promotion.md). */
  promotion?: PromotionOrigin;
  /** Set on an operator's rollback: the one update allowed to move the environment back. */
  rollback?: RollbackOrigin;
}

/** The source pull request of an update a `pull_request` action planned. */
export interface PullRequestOrigin {
  number: number;
  /** Its base (target) branch, whose tip's Dispatchfile was read. */
  base: string;
}

export interface CiGate {
  task: string;
  context: string;
}

/**
 * Stands in for `$(inputs.resources.X.digest)` until the GitOps job resolves it: resolving means
 * waiting for CI to push the image, which must not hold up planning.
 */
export const digestMarker = (resource: string) => `\u0000digest:${resource}\u0000`;
export const DIGEST_MARKER = /\u0000digest:([^\u0000]+)\u0000/g;

/** One environment = (source repo, GitOps repo, base branch, env dir, explicit -branch). */
export function envIdOf(
  spec: Pick<EnvUpdateSpec, 'source' | 'target' | 'revision' | 'envDir'>,
  branch?: string,
): string {
  const key = [
    `${spec.source.host}:${spec.source.fullName}`,
    `${spec.target.host}:${spec.target.fullName}`,
    spec.revision ?? '',
    spec.envDir,
    branch ?? '',
  ].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}
