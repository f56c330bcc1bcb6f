import type { PullRequest } from '../contracts.js';
import type { ServerPull } from './api.js';

const BRANCH = 'refs/heads/';

export const branchRef = (name: string): string => (name.startsWith(BRANCH) ? name : `${BRANCH}${name}`);
const branchName = (ref: string): string => (ref.startsWith(BRANCH) ? ref.slice(BRANCH.length) : ref);

export function toPullRequest(p: ServerPull, fallbackUrl: string): PullRequest {
  return {
    number: p.id,
    url: p.links?.self?.[0]?.href ?? fallbackUrl,
    head: branchName(p.fromRef.id),
    base: branchName(p.toRef.id),
    state: p.state === 'OPEN' ? 'open' : p.state === 'MERGED' ? 'merged' : 'closed',
    title: p.title,
    body: p.description ?? '',
  };
}

/** `PROJECTKEY/slug` or `~user/slug`. */
export function splitRepo(repo: string): { key: string; slug: string } | null {
  const [key, slug, ...rest] = repo.split('/');
  return key && slug && rest.length === 0 ? { key, slug } : null;
}
