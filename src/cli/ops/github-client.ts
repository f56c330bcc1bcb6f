import { Octokit } from '@octokit/rest';
import type { HostConfig } from '../../config/schema.js';
import { githubAuth } from '../../scm/github/auth.js';

/** The API base of a GitHub host: api.github.com for github.com, `<url>/api/v3` for Enterprise, unless `apiUrl` says. */
export function githubApiUrl(host: HostConfig): string {
  return host.apiUrl ?? (host.url === 'https://github.com' ? 'https://api.github.com' : `${host.url}/api/v3`);
}

/**
 * An Octokit per repository with the host's credentials: the token as is, or a GitHub App's
 * installation token for that repository, exactly as the workers obtain them.
 */
export function githubClients(hostName: string, host: HostConfig): (repo: string) => Promise<Octokit> {
  const apiUrl = githubApiUrl(host);
  const auth = githubAuth(hostName, host, apiUrl);
  return async (repo) =>
    new Octokit({
      baseUrl: apiUrl,
      auth: await auth.token(repo),
      userAgent: 'dispatchd-cli',
      request: { retries: 0 },
      // Failures reach the operator as one line that says what to do; Octokit's own console lines add nothing.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
}

/** What to do about a failed GitHub call, in the words of the permission GitHub wants. */
export function githubHint(status: number | undefined, what: string): string {
  if (status === 401) return 'the token is invalid or expired: replace it in the config';
  if (status === 403 || status === 404) {
    return (
      `the credentials cannot ${what} (or the repository does not exist): a classic token needs the admin:repo_hook ` +
      `scope, a fine-grained token or GitHub App the "Webhooks" repository permission (read and write)`
    );
  }
  return status === undefined ? 'GitHub did not answer: check apiUrl and the network' : 'GitHub refused the request';
}
