import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';

/** Where a GitHub token comes from. GitHub App installation tokens arrive with issue 4. */
export function githubAuth(host: HostConfig): { token(repo: string): Promise<string> } {
  if (host.token) {
    const token = host.token;
    return { token: async () => token };
  }
  return {
    token: async () => {
      throw new PermanentError('github_auth_unsupported', 'this host has no token: set hosts.<name>.token (GitHub App credentials are not supported yet)');
    },
  };
}
