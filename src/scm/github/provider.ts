import { withPullRequests } from '../pull-request-part.js';
import { Octokit } from '@octokit/rest';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import type { Comparison, CommitStatus, PullRequest, ScmProvider } from '../contracts.js';
import { cappedFetch, DEFAULT_READ_LIMIT, FileTooLargeError, unwrapOverflow } from '../bounded-body.js';
import { classifyHttpFailure } from '../http-errors.js';
import { newestPerContext } from '../newest-per-context.js';
import { githubAuth } from './auth.js';
import { githubAutoMerge } from './auto-merge.js';
import { githubWriteAccess } from './permissions.js';
import { fromCheckRun, fromStatus, type CheckRun, type GithubStatus } from './checks.js';

// GitHub's compare answers at most this many files and commits without paging parameters.
const MAX_FILES = 300;
const MAX_COMMITS = 250;
// Tags of tags are legal git; a chain longer than this is a loop or an abuse, not a release.
const MAX_TAG_DEPTH = 5;

const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

type Pull = {
  number: number;
  html_url: string;
  head: { ref: string; sha?: string; repo?: { full_name: string } | null };
  base: { ref: string; repo?: { full_name: string } };
  labels?: { name?: string }[];
  state: string;
  merged_at?: string | null;
  title: string;
  body?: string | null;
};

const toPr = (p: Pull): PullRequest => ({
  number: p.number,
  url: p.html_url,
  head: p.head.ref,
  base: p.base.ref,
  state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
  title: p.title,
  body: p.body ?? '',
});

/** A read pull request also says its head commit, whether it is a fork's, and its labels. */
const toReadPr = (p: Pull): PullRequest => ({
  ...toPr(p),
  ...(p.head.sha ? { headSha: p.head.sha } : {}),
  // A deleted fork leaves head.repo null: still not this repository.
  ...(p.base.repo ? { fork: p.head.repo?.full_name !== p.base.repo.full_name } : {}),
  ...(p.labels ? { labels: p.labels.flatMap((l) => (l.name ? [l.name] : [])) } : {}),
});

function split(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  if (!owner || !name) throw new PermanentError('bad_repo', `"${repo}" is not owner/name`);
  return { owner, repo: name };
}

/** GitHub (and GitHub Enterprise via `apiUrl`) through @octokit/rest. */
export function githubProvider(
  hostName: string,
  host: HostConfig,
  opts: { onRateLimit?: (remaining: number) => void } = {},
): ScmProvider {
  const apiUrl = host.apiUrl ?? (host.url === 'https://github.com' ? 'https://api.github.com' : `${host.url}/api/v3`);
  const auth = githubAuth(hostName, host, apiUrl);
  const client = async (repo: string) => {
    // Octokit's default logger writes to the console; our errors are classified and logged by the worker.
    const o = new Octokit({
      baseUrl: apiUrl,
      auth: await auth.token(repo),
      userAgent: 'dispatchd',
      request: { retries: 0 },
      log: SILENT,
    });
    // Every answer says how much of the hour's budget is left; operators alert on it.
    if (opts.onRateLimit) {
      const report = opts.onRateLimit;
      o.hook.after('request', (response) => {
        const left = Number(response.headers['x-ratelimit-remaining']);
        if (Number.isFinite(left)) report(left);
      });
    }
    return o;
  };

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Record<string, string> }; message: string };
      throw classifyHttpFailure(`${hostName}: ${what}`, {
        status: e.status,
        headers: e.response?.headers,
        message: e.message,
      });
    }
  }

  async function requiredChecks(repo: string, branch: string): Promise<string[]> {
    const o = await client(repo);
    // The branch read (not the protection API) needs no admin rights and still names them.
    const { data } = await call(`read branch ${branch} of ${repo}`, () =>
      o.repos.getBranch({ ...split(repo), branch }),
    );
    const rsc = data.protection?.required_status_checks;
    return [...new Set([...(rsc?.contexts ?? []), ...(rsc?.checks ?? []).map((c) => c.context)])];
  }

  return withPullRequests({
    kind: 'github',
    autoMerge: githubAutoMerge({ client, call, split, requiredChecks }),
    writeAccess: githubWriteAccess({ client, call, split }),
    async readFile(repo, path, ref, maxBytes = DEFAULT_READ_LIMIT) {
      const o = await client(repo);
      // The raw media type answers the file's bytes (a directory still answers its JSON listing),
      // read here with a cap instead of a base64 document read whole.
      const capped = cappedFetch(maxBytes, path);
      try {
        const { data } = await o.repos.getContent({
          ...split(repo),
          path,
          ref,
          mediaType: { format: 'raw' },
          request: { fetch: capped.fetch },
        });
        // octokit hands text over as a string, other content types as an ArrayBuffer.
        const raw: unknown = data;
        if (typeof raw === 'string') return raw;
        return raw instanceof ArrayBuffer ? Buffer.from(raw).toString('utf8') : null;
      } catch (err) {
        const cause = unwrapOverflow(err, capped);
        if (cause instanceof FileTooLargeError) throw cause;
        if ((err as { status?: number }).status === 404) return null;
        return call(`read ${repo}/${path}@${ref}`, () => Promise.reject(err));
      }
    },
    async refTip(repo, ref) {
      if (!ref.startsWith('refs/'))
        throw new PermanentError('bad_ref', `"${ref}" is not a full ref name like refs/heads/main or refs/tags/v1.2.0`);
      const o = await client(repo);
      const what = `read ref ${ref} of ${repo}`;
      let object: { type: string; sha: string };
      try {
        object = (await o.git.getRef({ ...split(repo), ref: ref.slice('refs/'.length) })).data.object;
      } catch (err) {
        const status = (err as { status?: number }).status;
        // 409 is GitHub's "Git Repository is empty.": no ref exists there either.
        if (status === 404 || status === 409) return null;
        return call(what, () => Promise.reject(err));
      }
      for (let depth = 0; object.type === 'tag'; depth++) {
        if (depth === MAX_TAG_DEPTH)
          throw new PermanentError(
            'scm_ref_not_commit',
            `${hostName}: ${what}: more than ${MAX_TAG_DEPTH} nested tags; tag the commit itself`,
          );
        const tagSha = object.sha;
        object = (
          await call(`${what}: peel tag ${tagSha.slice(0, 7)}`, () => o.git.getTag({ ...split(repo), tag_sha: tagSha }))
        ).data.object;
      }
      if (object.type !== 'commit')
        throw new PermanentError(
          'scm_ref_not_commit',
          `${hostName}: ${what}: points at a ${object.type}, not a commit`,
        );
      return object.sha;
    },
    async compare(repo, base, head): Promise<Comparison> {
      const o = await client(repo);
      const { data } = await call(`compare ${repo} ${base}...${head}`, () =>
        o.repos.compareCommitsWithBasehead({ ...split(repo), basehead: `${base}...${head}` }),
      );
      // A capped answer lists only some of the files; a partial list would read as "nothing else changed".
      const capped =
        data.files === undefined ||
        data.files.length >= MAX_FILES ||
        data.total_commits > data.commits.length ||
        data.total_commits > MAX_COMMITS;
      return { status: data.status, files: capped ? null : (data.files ?? []).map((f) => f.filename) };
    },
    async defaultBranch(repo) {
      const o = await client(repo);
      const { data } = await call(`get ${repo}`, () => o.repos.get(split(repo)));
      return data.default_branch;
    },
    async findPullRequest(repo, head, base) {
      const o = await client(repo);
      const r = split(repo);
      const { data } = await call(`find pull request ${head} → ${base} in ${repo}`, () =>
        o.pulls.list({ ...r, state: 'open', head: `${r.owner}:${head}`, base }),
      );
      const pr = data[0];
      return pr ? toPr(pr as Pull) : null;
    },
    async createPullRequest(repo, input) {
      const o = await client(repo);
      const { data } = await call(`open pull request ${input.head} → ${input.base} in ${repo}`, () =>
        o.pulls.create({ ...split(repo), ...input }),
      );
      return toPr(data as Pull);
    },
    async updatePullRequest(repo, number, input) {
      const o = await client(repo);
      const { data } = await call(`update pull request ${repo}#${number}`, () =>
        o.pulls.update({ ...split(repo), pull_number: number, ...input }),
      );
      return toPr(data as Pull);
    },
    async mergePullRequest(repo, number, opts = {}) {
      const o = await client(repo);
      await call(`merge pull request ${repo}#${number}`, () =>
        o.pulls.merge({
          ...split(repo),
          pull_number: number,
          ...(opts.method ? { merge_method: opts.method } : {}),
          ...(opts.sha ? { sha: opts.sha } : {}),
        }),
      );
    },
    async comment(repo, number, body) {
      const o = await client(repo);
      await call(`comment on ${repo}#${number}`, () =>
        o.issues.createComment({ ...split(repo), issue_number: number, body }),
      );
    },
    async setStatus(repo, sha, s: CommitStatus) {
      const o = await client(repo);
      await call(`set status ${s.context} on ${sha.slice(0, 7)} of ${repo}`, () =>
        o.repos.createCommitStatus({
          ...split(repo),
          sha,
          state: s.state,
          context: s.context,
          description: s.description.slice(0, 140),
          ...(s.targetUrl ? { target_url: s.targetUrl } : {}),
        }),
      );
    },
    async commitChecks(repo, sha) {
      const o = await client(repo);
      const at = `on ${sha.slice(0, 7)} of ${repo}`;
      // Statuses (combined: newest per context, at most 100) and check runs (every page) are two
      // APIs on GitHub; branch protection reads both, so a gate does too.
      const [combined, runs] = await Promise.all([
        call(`read statuses ${at}`, () => o.repos.getCombinedStatusForRef({ ...split(repo), ref: sha, per_page: 100 })),
        call(`read check runs ${at}`, () =>
          o.paginate(o.checks.listForRef, { ...split(repo), ref: sha, filter: 'latest', per_page: 100 }),
        ),
      ]);
      return newestPerContext([
        ...(combined.data.statuses as GithubStatus[]).map(fromStatus),
        ...(runs as CheckRun[]).map(fromCheckRun),
      ]);
    },
    requiredChecks,
    async getPullRequest(repo, number) {
      const o = await client(repo);
      const { data } = await call(`read pull request ${repo}#${number}`, () =>
        o.pulls.get({ ...split(repo), pull_number: number }),
      );
      return toReadPr(data as Pull);
    },
    async gitRemote(repo) {
      const token = await auth.token(repo);
      return {
        url: `${host.url}/${repo}.git`,
        headers: { Authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` },
      };
    },
    commitUrl(repo, sha) {
      return `${host.url}/${repo}/commit/${sha}`;
    },
  });
}
