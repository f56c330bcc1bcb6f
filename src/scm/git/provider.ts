import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import { git } from '../../git/run.js';
import type { Mirrors } from '../../git/mirrors.js';
import type { GitRemote, ScmProvider } from '../contracts.js';

const noApi = (what: string) => async (): Promise<never> => {
  throw new PermanentError('git_host_no_api', `${what} needs an SCM API; a plain git host has none (use -create-pull-request with a github, gitlab or bitbucket host)`);
};

/**
 * A plain git remote (file://, http(s), ssh) with no pull-request API: everything goes through
 * git. Pull-request calls are refused; the GitOps update pushes the head branch and stops there.
 * `repo` is the path below the host url, e.g. `acme/app.git`.
 */
export function gitProvider(host: HostConfig, mirrors: Mirrors): ScmProvider {
  const remote = (repo: string): GitRemote => ({
    url: `${host.url}/${repo}`,
    headers: host.username && host.password ? { Authorization: `Basic ${Buffer.from(`${host.username}:${host.password}`).toString('base64')}` } : host.token ? { Authorization: `Bearer ${host.token}` } : ({} as Record<string, string>),
  });
  return {
    kind: 'git',
    async readFile(repo, path, ref) {
      const dir = await mirrors.fetch(remote(repo));
      try {
        return await git(['show', `${ref}:${path}`], { cwd: dir });
      } catch {
        return null;
      }
    },
    async compare(repo, base, head) {
      const dir = await mirrors.fetch(remote(repo));
      const out = await git(['diff', '--name-only', `${base}...${head}`], { cwd: dir });
      return out.split('\n').filter(Boolean);
    },
    async defaultBranch(repo) {
      const out = await git(['ls-remote', '--symref', remote(repo).url, 'HEAD'], { remote: remote(repo) });
      const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out);
      return m?.[1] ?? 'main';
    },
    findPullRequest: async () => null,
    createPullRequest: noApi('opening a pull request'),
    updatePullRequest: noApi('updating a pull request'),
    mergePullRequest: noApi('merging a pull request'),
    comment: async () => undefined,
    // No status API: the audit trail and logs carry the outcome instead.
    setStatus: async () => undefined,
    gitRemote: async (repo) => remote(repo),
    commitUrl: (repo, sha) => `${host.url}/${repo}#${sha}`,
  };
}
