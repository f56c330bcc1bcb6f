import type { Octokit } from '@octokit/rest';
import type { WriteAccess } from '../contracts.js';

export interface GithubPermissionsDeps {
  client(repo: string): Promise<Octokit>;
  /** Runs one API call, turning HTTP failures into dispatchd's transient/permanent errors. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  split(repo: string): { owner: string; repo: string };
}

const WRITERS = new Set(['admin', 'write']);

/**
 * Whether a user may write to a repository: GitHub's collaborator permission
 * (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`), whose `permission` folds
 * maintain into write and triage into read. An organisation MEMBER or a COLLABORATOR can hold
 * only read or triage, which `author_association` does not say.
 */
export function githubWriteAccess(d: GithubPermissionsDeps) {
  return async function writeAccess(repo: string, login: string): Promise<WriteAccess> {
    const o = await d.client(repo);
    const data = await d.call(`read the permission of ${login} on ${repo}`, async () => {
      try {
        return (await o.repos.getCollaboratorPermissionLevel({ ...d.split(repo), username: login })).data;
      } catch (err) {
        // 404: no such user (one who is no collaborator is answered `none`).
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    });
    const only = 'only admin, maintain or write permission may';
    if (data === undefined)
      return { allowed: false, said: `is unknown to GitHub (or the token cannot see ${repo}); ${only}` };
    const role = (data as { role_name?: string }).role_name ?? data.permission;
    return { allowed: WRITERS.has(data.permission), said: `has ${role} permission on ${repo}; ${only}` };
  };
}
