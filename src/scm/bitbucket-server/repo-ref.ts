import type { RepoRef } from '../../core/push-event.js';
import type { BitbucketServerRepository } from './payload.js';

/**
 * `PROJECTKEY/slug` (personal projects `~user/slug`), with URLs from the payload's links when it
 * has them (newer servers) and built from the configured host otherwise.
 */
export function bitbucketServerRepoRef(repo: BitbucketServerRepository, hostUrl: string): RepoRef {
  const { project, slug } = repo;
  const ownerSlug = project.owner?.slug;
  const key = project.type === 'PERSONAL' && !project.key.startsWith('~') && ownerSlug ? `~${ownerSlug}` : project.key;
  const http = repo.links?.clone?.find((l) => l.name === 'http')?.href;
  const self = repo.links?.self?.[0]?.href;
  const personal = key.startsWith('~');
  return {
    fullName: `${key}/${slug}`,
    cloneUrl: http ? withoutUser(http) : `${hostUrl}/scm/${key.toLowerCase()}/${slug}.git`,
    webUrl: self
      ? self.replace(/\/browse\/?$/, '')
      : personal
        ? `${hostUrl}/users/${key.slice(1).toLowerCase()}/repos/${slug}`
        : `${hostUrl}/projects/${key}/repos/${slug}`,
  };
}

// Bitbucket Server renders clone links for the acting user (`https://jdoe@host/scm/...`);
// git must use the host's own credentials instead.
function withoutUser(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
