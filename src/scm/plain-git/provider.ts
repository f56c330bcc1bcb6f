import { DEFAULT_READ_LIMIT, FileTooLargeError } from '../bounded-body.js';
import type { HostConfig } from '../../config/schema.js';
import { hasCode, PermanentError } from '../../core/errors.js';
import { git } from '../../git/run.js';
import { revParse, type Mirrors } from '../../git/mirrors.js';
import type { GitRemote } from '../../git/remote.js';
import type { Ancestry, ScmProvider } from '../contracts.js';

/**
 * `git merge-base --is-ancestor a b`: exit 0 yes, exit 1 (silently) no. Every other failure makes
 * git say why on stderr, which the runner puts in the message; a silent failure is the "no".
 */
async function isAncestor(dir: string, a: string, b: string): Promise<boolean> {
  try {
    await git(['merge-base', '--is-ancestor', a, b], { cwd: dir });
    return true;
  } catch (err) {
    if (hasCode(err, 'git_failed') && !/fatal:|error:/i.test(err.message)) return false;
    throw err;
  }
}

/**
 * A plain git remote (file://, http(s), ssh) with no pull-request API: everything goes through
 * git. Pull-request calls are refused; the GitOps update pushes the head branch and stops there.
 * `repo` is the path below the host url, e.g. `acme/app.git`.
 */
export function plainGitProvider(host: HostConfig, mirrors: Mirrors): ScmProvider {
  const remote = (repo: string): GitRemote => ({
    url: `${host.url}/${repo}`,
    headers:
      host.username && host.password
        ? { Authorization: `Basic ${Buffer.from(`${host.username}:${host.password}`).toString('base64')}` }
        : host.token
          ? { Authorization: `Bearer ${host.token}` }
          : ({} as Record<string, string>),
  });
  return {
    kind: 'git',
    async readFile(repo, path, ref, maxBytes = DEFAULT_READ_LIMIT) {
      const dir = await mirrors.fetch(remote(repo));
      let size: number;
      try {
        size = Number((await git(['cat-file', '-s', `${ref}:${path}`], { cwd: dir })).trim());
      } catch {
        return null;
      }
      // The blob is in the mirror already; its size is asked first so it is never loaded whole.
      if (size > maxBytes) throw new FileTooLargeError(path, maxBytes, Buffer.alloc(0));
      return await git(['show', `${ref}:${path}`], { cwd: dir });
    },
    async refTip(repo, ref) {
      if (!ref.startsWith('refs/'))
        throw new PermanentError('bad_ref', `"${ref}" is not a full ref name like refs/heads/main or refs/tags/v1.2.0`);
      const r = remote(repo);
      // Straight from the remote, not the mirror: the tip now. `ref^{}` is listed only for an
      // annotated tag and names the commit it peels to.
      const out = await git(['ls-remote', '--', r.url, ref, `${ref}^{}`], { remote: r });
      let tip: string | null = null;
      for (const line of out.split('\n')) {
        const [sha, name] = line.split('\t');
        if (name === `${ref}^{}`) return sha ?? null;
        // ls-remote matches patterns by their tail too (refs/remotes/x/refs/heads/main).
        if (name === ref) tip = sha ?? null;
      }
      return tip;
    },
    async compare(repo, base, head) {
      const dir = await mirrors.fetch(remote(repo));
      const [from, to] = await Promise.all([revParse(dir, base), revParse(dir, head)]);
      if (from === null || to === null)
        throw new PermanentError(
          'git_unknown_revision',
          `compare ${repo}: no commit ${from === null ? base : head} after fetching every branch and tag (a force-push drops the old tip)`,
        );
      const [baseIsAncestor, headIsAncestor] = await Promise.all([
        isAncestor(dir, from, to),
        isAncestor(dir, to, from),
      ]);
      const status: Ancestry =
        baseIsAncestor && headIsAncestor
          ? 'identical'
          : baseIsAncestor
            ? 'ahead'
            : headIsAncestor
              ? 'behind'
              : 'diverged';
      const out = await git(['diff', '--name-only', `${from}...${to}`], { cwd: dir });
      return { status, files: out.split('\n').filter(Boolean) };
    },
    async defaultBranch(repo) {
      const out = await git(['ls-remote', '--symref', remote(repo).url, 'HEAD'], { remote: remote(repo) });
      const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out);
      return m?.[1] ?? 'main';
    },
    // No status API: the audit trail and logs carry the outcome instead.
    setStatus: async () => undefined,
    // Nor any checks to read: a gate on a status never passes on a plain git host.
    commitChecks: async () => [],
    gitRemote: async (repo) => remote(repo),
    commitUrl: (repo, sha) => `${host.url}/${repo}#${sha}`,
  };
}
