import { withPullRequests } from '../pull-request-part.js';
import bitbucket from 'bitbucket';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import type { Ancestry, CommitState, ScmProvider } from '../contracts.js';
import { DEFAULT_READ_LIMIT, FileTooLargeError, unwrapOverflow } from '../bounded-body.js';
import { fromBuildStatus, type BitbucketBuildStatus } from '../bitbucket-build-status.js';
import { classifyHttpFailure, type HttpFailure } from '../http-errors.js';
import { newestPerContext } from '../newest-per-context.js';
import { bitbucketCloudCredentials } from './credentials.js';
import { bbqlString, toPullRequest, type CloudPull } from './pull-request.js';
import { fileText, sourceFetch } from './source-file.js';

// Bitbucket has no separate "error" state; INPROGRESS is its pending.
const STATES: Record<CommitState, 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED'> = {
  pending: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
  error: 'FAILED',
};
const MAX_PAGES = 50;
const CLOUD_STRATEGY = { merge: 'merge_commit', squash: 'squash', rebase: 'rebase_merge' } as const;
const COMMIT_ID = /^[0-9a-f]{40}$/;
const ABBREVIATED_ID = /^[0-9a-f]{7,39}$/;

interface ClientError {
  status?: number;
  headers?: Record<string, string>;
  error?: { error?: { message?: string; detail?: string } };
  message: string;
}

function failureOf(err: unknown): HttpFailure {
  const e = err as ClientError;
  const body = e.error?.error;
  const message = body?.message ? `${body.message}${body.detail ? ` (${body.detail})` : ''}` : e.message;
  return { status: e.status, headers: e.headers, message };
}

function split(repo: string): { workspace: string; repo_slug: string } {
  const [workspace, slug, ...rest] = repo.split('/');
  if (!workspace || !slug || rest.length > 0)
    throw new PermanentError('bad_repo', `"${repo}" is not a Bitbucket Cloud repository name like "workspace/slug"`);
  return { workspace, repo_slug: slug };
}

/**
 * Bitbucket Cloud through the `bitbucket` client. `repo` is `workspace/slug`; the API defaults to
 * https://api.bitbucket.org/2.0 and git to `${url}/${repo}.git`.
 */
export function bitbucketCloudProvider(hostName: string, host: HostConfig): ScmProvider {
  const creds = bitbucketCloudCredentials(hostName, host);
  const apiUrl =
    host.apiUrl ?? (host.url === 'https://bitbucket.org' ? 'https://api.bitbucket.org/2.0' : `${host.url}/2.0`);
  const client = new bitbucket.Bitbucket({
    baseUrl: apiUrl,
    auth: creds.api,
    notice: false,
    request: { timeout: 30_000 },
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
    }
  }

  /** `target.hash` of the branch or tag `name` (tags peeled by Bitbucket), or null when absent. */
  async function refHash(repo: string, kind: 'branch' | 'tag', name: string): Promise<string | null> {
    try {
      const params = { ...split(repo), name };
      const { data } =
        kind === 'branch' ? await client.repositories.getBranch(params) : await client.repositories.getTag(params);
      return (data as { target: { hash: string } }).target.hash;
    } catch (err) {
      const f = failureOf(err);
      // A missing repository is a real problem, not a missing ref.
      if (f.status === 404 && !/repositor/i.test(f.message)) return null;
      throw classifyHttpFailure(`${hostName}: read ${kind} ${name} of ${repo}`, f);
    }
  }

  /**
   * The commit id of `rev`: a full id as is, else a branch (one call) or a tag (two) of that name,
   * else, for hex text, the abbreviated id Bitbucket's own webhooks send (12 characters), which
   * git would resolve last too: merge-base of the commit with itself answers its full id.
   */
  async function commitId(repo: string, rev: string): Promise<string> {
    if (COMMIT_ID.test(rev)) return rev;
    const sha = (await refHash(repo, 'branch', rev)) ?? (await refHash(repo, 'tag', rev));
    if (sha !== null) return sha;
    if (ABBREVIATED_ID.test(rev)) {
      try {
        const { data } = await call(`resolve commit ${rev} in ${repo}`, () =>
          client.repositories.getMergeBase({ ...split(repo), revspec: `${rev}..${rev}` }),
        );
        const full = (data as { hash?: string }).hash ?? '';
        if (COMMIT_ID.test(full) && full.startsWith(rev)) return full;
      } catch (err) {
        // Unknown (404): said below. The repository exists: refHash would have thrown otherwise.
        if (!(err instanceof PermanentError)) throw err;
      }
    }
    throw new PermanentError('scm_unknown_revision', `${hostName}: ${repo} has no branch, tag or commit "${rev}"`);
  }

  /** Paths from the merge base to `head`; null when more pages remain than we follow. */
  async function changedPaths(repo: string, base: string, head: string): Promise<string[] | null> {
    // Bitbucket's spec is "new..old", the reverse of git; with topic (the default) it diffs
    // from the merge base, as GitHub's base...head does.
    const what = `compare ${repo} ${base}...${head}`;
    let page = (
      await call(what, () =>
        client.repositories.listDiffStats({ ...split(repo), spec: `${head}..${base}`, pagelen: 500 } as Parameters<
          typeof client.repositories.listDiffStats
        >[0]),
      )
    ).data as DiffstatPage;
    const paths: string[] = [];
    for (let n = 1; ; n++) {
      for (const d of page.values ?? []) {
        const p = d.new?.path ?? d.old?.path;
        if (p !== undefined) paths.push(p);
      }
      if (!page.next) break;
      if (n >= MAX_PAGES) return null;
      const current = page;
      // Typed as a Response, but the client returns a promise of one.
      page = (await call(what, () => client.getNextPage(current) as unknown as Promise<{ data: DiffstatPage }>)).data;
    }
    return paths;
  }

  return withPullRequests({
    kind: 'bitbucket-cloud',
    async readFile(repo, path, ref, maxBytes = DEFAULT_READ_LIMIT) {
      const src = sourceFetch(maxBytes, path);
      try {
        // A ref with "/" cannot be addressed here (Bitbucket splits %2F); callers pass commit ids.
        const params = { ...split(repo), commit: ref, path: path.replace(/^\/+/, ''), request: { fetch: src.fetch } };
        const { data } = await client.repositories.readSrc(params as Parameters<typeof client.repositories.readSrc>[0]);
        return fileText(data, src.contentType());
      } catch (err) {
        const over = unwrapOverflow(err, src);
        if (over instanceof FileTooLargeError) throw over;
        const f = failureOf(err);
        // 404 also names a missing repository or commit; only a missing path means "no file".
        if (f.status === 404 && !/repository|commit|revision/i.test(f.message)) return null;
        throw classifyHttpFailure(`${hostName}: read ${repo}/${path}@${ref}`, f);
      }
    },
    async refTip(repo, ref) {
      if (ref.startsWith('refs/heads/')) return refHash(repo, 'branch', ref.slice('refs/heads/'.length));
      if (ref.startsWith('refs/tags/')) return refHash(repo, 'tag', ref.slice('refs/tags/'.length));
      throw new PermanentError(
        'bad_ref',
        `"${ref}" is not a full branch or tag name like refs/heads/main or refs/tags/v1.2.0`,
      );
    },
    async compare(repo, base, head) {
      // Commit ids first, so that the ancestry test compares ids and both calls see one history.
      const [from, to] = await Promise.all([commitId(repo, base), commitId(repo, head)]);
      const [mergeBase, files] = await Promise.all([
        call(`merge base of ${base} and ${head} in ${repo}`, () =>
          client.repositories.getMergeBase({ ...split(repo), revspec: `${from}..${to}` }),
        ),
        changedPaths(repo, from, to),
      ]);
      const common = (mergeBase.data as { hash: string }).hash;
      const status: Ancestry =
        from === to ? 'identical' : common === from ? 'ahead' : common === to ? 'behind' : 'diverged';
      return { status, files };
    },
    async defaultBranch(repo) {
      const { data } = await call(`get ${repo}`, () => client.repositories.get(split(repo)));
      const name = (data as { mainbranch?: { name?: string } }).mainbranch?.name;
      if (!name)
        throw new PermanentError(
          'scm_empty_repo',
          `${hostName}: ${repo} has no main branch yet: push a first commit to it`,
        );
      return name;
    },
    async findPullRequest(repo, head, base) {
      const q = `source.branch.name = ${bbqlString(head)} AND destination.branch.name = ${bbqlString(base)} AND state = "OPEN"`;
      const { data } = await call(`find pull request ${head} → ${base}`, () =>
        client.repositories.listPullRequests({ ...split(repo), state: 'OPEN', q }),
      );
      const own = ((data as { values?: CloudPull[] }).values ?? []).find(
        (p) => p.source.branch.name === head && p.destination.branch.name === base && p.state === 'OPEN',
      );
      return own ? toPullRequest(own) : null;
    },
    async createPullRequest(repo, input) {
      const what = `open pull request ${input.head} → ${input.base}`;
      try {
        const { data } = await client.repositories.createPullRequest({
          ...split(repo),
          _body: {
            type: 'pullrequest',
            title: input.title.slice(0, 255),
            description: input.body,
            source: { branch: { name: input.head } },
            destination: { branch: { name: input.base } },
          },
        });
        return toPullRequest(data as CloudPull);
      } catch (err) {
        const f = failureOf(err);
        // Bitbucket answers 400 "There is already an open pull request …" to a racing second
        // create; the caller finds and updates the PR when the message says "already exists".
        if (f.status === 400 && /already .*pull request|pull request .*already/i.test(f.message)) {
          throw new PermanentError(
            'scm_pr_exists',
            `${hostName}: ${what}: a pull request already exists (${f.message})`,
          );
        }
        throw classifyHttpFailure(`${hostName}: ${what}`, f);
      }
    },
    async updatePullRequest(repo, number, input) {
      const { data } = await call(`update pull request #${number}`, () =>
        client.repositories.updatePullRequest({
          ...split(repo),
          pull_request_id: number,
          _body: { type: 'pullrequest', title: input.title.slice(0, 255), description: input.body },
        }),
      );
      return toPullRequest(data as CloudPull);
    },
    async mergePullRequest(repo, number, opts = {}) {
      await call(`merge pull request #${number}`, () =>
        client.repositories.mergePullRequest({
          ...split(repo),
          pull_request_id: number,
          _body: {
            type: 'pullrequest_merge_parameters',
            ...(opts.method ? { merge_strategy: CLOUD_STRATEGY[opts.method] } : {}),
          } as { type: string },
        }),
      );
    },
    async comment(repo, number, body) {
      await call(`comment on #${number}`, () =>
        client.repositories.createPullRequestComment({
          ...split(repo),
          pull_request_id: number,
          _body: { type: 'pullrequest_comment', content: { raw: body } },
        }),
      );
    },
    async setStatus(repo, sha, s) {
      await call(`set status ${s.context} on ${sha.slice(0, 7)}`, () =>
        client.repositories.createCommitBuildStatus({
          ...split(repo),
          commit: sha,
          // `url` is required by Bitbucket; without a link of our own the repository will do.
          _body: {
            type: 'commitstatus',
            key: s.context,
            name: s.context,
            state: STATES[s.state],
            description: s.description.slice(0, 255),
            url: s.targetUrl ?? `${host.url}/${repo}`,
          },
        }),
      );
    },
    async commitChecks(repo, sha) {
      const what = `read build statuses on ${sha.slice(0, 7)} of ${repo}`;
      type Page = { values?: BitbucketBuildStatus[]; next?: string };
      let page = (
        await call(what, () =>
          client.repositories.listCommitStatuses({ ...split(repo), commit: sha, pagelen: 100 } as Parameters<
            typeof client.repositories.listCommitStatuses
          >[0]),
        )
      ).data as Page;
      const all: BitbucketBuildStatus[] = [...(page.values ?? [])];
      for (let n = 1; page.next && n < MAX_PAGES; n++) {
        const current = page;
        page = (await call(what, () => client.getNextPage(current) as unknown as Promise<{ data: Page }>)).data;
        all.push(...(page.values ?? []));
      }
      return newestPerContext(all.map(fromBuildStatus));
    },
    async getPullRequest(repo, number) {
      const { data } = await call(`read pull request #${number}`, () =>
        client.repositories.getPullRequest({ ...split(repo), pull_request_id: number }),
      );
      return toPullRequest(data as CloudPull);
    },
    async gitRemote(repo) {
      split(repo);
      return { url: `${host.url}/${repo}.git`, headers: { Authorization: creds.git } };
    },
    commitUrl(repo, sha) {
      return `${host.url}/${repo}/commits/${sha}`;
    },
  });
}

interface DiffstatPage {
  values?: { new?: { path?: string } | null; old?: { path?: string } | null }[];
  next?: string;
}
