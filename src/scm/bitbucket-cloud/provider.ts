import bitbucket from 'bitbucket';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import type { CommitState, ScmProvider } from '../contracts.js';
import { classifyHttpFailure, type HttpFailure } from '../http-errors.js';
import { bitbucketCloudCredentials } from './credentials.js';
import { bbqlString, toPullRequest, type CloudPull } from './pull-request.js';
import { fileText, sourceFetch } from './source-file.js';

// Bitbucket has no separate "error" state; INPROGRESS is its pending.
const STATES: Record<CommitState, 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED'> = { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'FAILED' };
const MAX_PAGES = 50;

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
  if (!workspace || !slug || rest.length > 0) throw new PermanentError('bad_repo', `"${repo}" is not a Bitbucket Cloud repository name like "workspace/slug"`);
  return { workspace, repo_slug: slug };
}

/**
 * Bitbucket Cloud through the `bitbucket` client. `repo` is `workspace/slug`; the API defaults to
 * https://api.bitbucket.org/2.0 and git to `${url}/${repo}.git`.
 */
export function bitbucketCloudProvider(hostName: string, host: HostConfig): ScmProvider {
  const creds = bitbucketCloudCredentials(hostName, host);
  const apiUrl = host.apiUrl ?? (host.url === 'https://bitbucket.org' ? 'https://api.bitbucket.org/2.0' : `${host.url}/2.0`);
  const client = new bitbucket.Bitbucket({ baseUrl: apiUrl, auth: creds.api, notice: false, request: { timeout: 30_000 } });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
    }
  }

  return {
    kind: 'bitbucket-cloud',
    async readFile(repo, path, ref) {
      const src = sourceFetch();
      try {
        // A ref with "/" cannot be addressed here (Bitbucket splits %2F); callers pass commit ids.
        const params = { ...split(repo), commit: ref, path: path.replace(/^\/+/, ''), request: { fetch: src.fetch } };
        const { data } = await client.repositories.readSrc(params as Parameters<typeof client.repositories.readSrc>[0]);
        return fileText(data, src.contentType());
      } catch (err) {
        const f = failureOf(err);
        // 404 also names a missing repository or commit; only a missing path means "no file".
        if (f.status === 404 && !/repository|commit|revision/i.test(f.message)) return null;
        throw classifyHttpFailure(`${hostName}: read ${repo}/${path}@${ref}`, f);
      }
    },
    async compare(repo, base, head) {
      // Bitbucket's spec is "new..old", the reverse of git; with topic (the default) it diffs
      // from the merge base, as GitHub's base...head does.
      const what = `compare ${repo} ${base}...${head}`;
      let page = (await call(what, () => client.repositories.listDiffStats({ ...split(repo), spec: `${head}..${base}`, pagelen: 500 } as Parameters<typeof client.repositories.listDiffStats>[0]))).data as DiffstatPage;
      const paths: string[] = [];
      for (let n = 1; ; n++) {
        for (const d of page.values ?? []) {
          const p = d.new?.path ?? d.old?.path;
          if (p !== undefined) paths.push(p);
        }
        if (!page.next || n >= MAX_PAGES) break;
        const current = page;
        // Typed as a Response, but the client returns a promise of one.
        page = (await call(what, () => client.getNextPage(current) as unknown as Promise<{ data: DiffstatPage }>)).data;
      }
      return paths;
    },
    async defaultBranch(repo) {
      const { data } = await call(`get ${repo}`, () => client.repositories.get(split(repo)));
      const name = (data as { mainbranch?: { name?: string } }).mainbranch?.name;
      if (!name) throw new PermanentError('scm_empty_repo', `${hostName}: ${repo} has no main branch yet: push a first commit to it`);
      return name;
    },
    async findPullRequest(repo, head, base) {
      const q = `source.branch.name = ${bbqlString(head)} AND destination.branch.name = ${bbqlString(base)} AND state = "OPEN"`;
      const { data } = await call(`find pull request ${head} → ${base}`, () => client.repositories.listPullRequests({ ...split(repo), state: 'OPEN', q }));
      const own = ((data as { values?: CloudPull[] }).values ?? []).find((p) => p.source.branch.name === head && p.destination.branch.name === base && p.state === 'OPEN');
      return own ? toPullRequest(own) : null;
    },
    async createPullRequest(repo, input) {
      const what = `open pull request ${input.head} → ${input.base}`;
      try {
        const { data } = await client.repositories.createPullRequest({
          ...split(repo),
          _body: { type: 'pullrequest', title: input.title.slice(0, 255), description: input.body, source: { branch: { name: input.head } }, destination: { branch: { name: input.base } } },
        });
        return toPullRequest(data as CloudPull);
      } catch (err) {
        const f = failureOf(err);
        // Bitbucket answers 400 "There is already an open pull request …" to a racing second
        // create; the caller finds and updates the PR when the message says "already exists".
        if (f.status === 400 && /already .*pull request|pull request .*already/i.test(f.message)) {
          throw new PermanentError('scm_pr_exists', `${hostName}: ${what}: a pull request already exists (${f.message})`);
        }
        throw classifyHttpFailure(`${hostName}: ${what}`, f);
      }
    },
    async updatePullRequest(repo, number, input) {
      const { data } = await call(`update pull request #${number}`, () =>
        client.repositories.updatePullRequest({ ...split(repo), pull_request_id: number, _body: { type: 'pullrequest', title: input.title.slice(0, 255), description: input.body } }),
      );
      return toPullRequest(data as CloudPull);
    },
    async mergePullRequest(repo, number) {
      await call(`merge pull request #${number}`, () => client.repositories.mergePullRequest({ ...split(repo), pull_request_id: number, _body: { type: 'pullrequest_merge_parameters' } }));
    },
    async comment(repo, number, body) {
      await call(`comment on #${number}`, () => client.repositories.createPullRequestComment({ ...split(repo), pull_request_id: number, _body: { type: 'pullrequest_comment', content: { raw: body } } }));
    },
    async setStatus(repo, sha, s) {
      await call(`set status ${s.context} on ${sha.slice(0, 7)}`, () =>
        client.repositories.createCommitBuildStatus({
          ...split(repo),
          commit: sha,
          // `url` is required by Bitbucket; without a link of our own the repository will do.
          _body: { type: 'commitstatus', key: s.context, name: s.context, state: STATES[s.state], description: s.description.slice(0, 255), url: s.targetUrl ?? `${host.url}/${repo}` },
        }),
      );
    },
    async gitRemote(repo) {
      split(repo);
      return { url: `${host.url}/${repo}.git`, headers: { Authorization: creds.git } };
    },
    commitUrl(repo, sha) {
      return `${host.url}/${repo}/commits/${sha}`;
    },
  };
}

interface DiffstatPage {
  values?: { new?: { path?: string } | null; old?: { path?: string } | null }[];
  next?: string;
}
