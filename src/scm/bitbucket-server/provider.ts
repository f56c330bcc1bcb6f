import { withPullRequests } from '../pull-request-part.js';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError } from '../../core/errors.js';
import type { Ancestry, CommitState, ScmProvider } from '../contracts.js';
import { DEFAULT_READ_LIMIT, FileTooLargeError } from '../bounded-body.js';
import { fromBuildStatus } from '../bitbucket-build-status.js';
import { classifyHttpFailure, type HttpFailure } from '../http-errors.js';
import { newestPerContext } from '../newest-per-context.js';
import { bitbucketServerApi, ServerHttpError, type BuildState, type ServerApi, type ServerPull } from './api.js';
import { bitbucketServerAuthorization } from './credentials.js';
import { branchRef, splitRepo, toPullRequest } from './pull-request.js';

const STATES: Record<CommitState, BuildState> = {
  pending: 'INPROGRESS',
  success: 'SUCCESSFUL',
  failure: 'FAILED',
  error: 'FAILED',
};

// Bitbucket Server's strategy ids (enabled per repository by an admin); no-ff is its default.
const SERVER_STRATEGY = { merge: 'no-ff', squash: 'squash', rebase: 'rebase-no-ff' } as const;

function failureOf(err: unknown): HttpFailure {
  if (err instanceof ServerHttpError) return { status: err.status, headers: err.headers, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

const isOutOfDate = (err: unknown): boolean =>
  err instanceof ServerHttpError && err.status === 409 && /OutOfDate/.test(err.exception());

/**
 * Bitbucket Server / Data Center through its REST 1.0 API (`${url}/rest/api/1.0`, or `apiUrl`).
 * `repo` is `PROJECTKEY/slug`, personal repositories `~user/slug`.
 */
export function bitbucketServerProvider(hostName: string, host: HostConfig): ScmProvider {
  const authorization = bitbucketServerAuthorization(hostName, host);
  const apiUrl = host.apiUrl ?? `${host.url}/rest/api/1.0`;
  // The build-status API sits beside the core one under /rest.
  const buildStatusUrl = `${apiUrl.replace(/\/api\/(1\.0|latest)$/, '')}/build-status/1.0`;
  const api: ServerApi = bitbucketServerApi({ apiUrl, buildStatusUrl, authorization });

  const parts = (repo: string): { key: string; slug: string } => {
    const p = splitRepo(repo);
    if (p === null)
      throw new PermanentError(
        'bad_repo',
        `"${repo}" is not a Bitbucket Server repository name like "PROJECT/slug" or "~user/slug"`,
      );
    return p;
  };
  const web = (repo: string): string => {
    const { key, slug } = parts(repo);
    return key.startsWith('~')
      ? `${host.url}/users/${key.slice(1).toLowerCase()}/repos/${slug}`
      : `${host.url}/projects/${key}/repos/${slug}`;
  };

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
    }
  }

  // The pull request `findPullRequest` just listed carries its version and reviewers: the update
  // that follows uses them instead of reading the PR again (one API call fewer per update). Taken
  // once; a version that moved meanwhile is refused as out of date and read afresh below.
  const listed = new Map<string, ServerPull>();
  const LISTED_MAX = 256;

  /** Reads the PR's version, applies `change`, and once more if someone else bumped it between. */
  async function withVersion<T>(
    what: string,
    repo: string,
    number: number,
    change: (pr: ServerPull) => Promise<T>,
  ): Promise<T> {
    const { key, slug } = parts(repo);
    const known = listed.get(`${repo}#${number}`);
    listed.delete(`${repo}#${number}`);
    return call(what, async () => {
      try {
        return await change(known ?? (await api.getPullRequest(key, slug, number)));
      } catch (err) {
        if (!isOutOfDate(err)) throw err;
        return change(await api.getPullRequest(key, slug, number));
      }
    });
  }

  return withPullRequests({
    kind: 'bitbucket-server',
    async readFile(repo, path, ref, maxBytes = DEFAULT_READ_LIMIT) {
      const { key, slug } = parts(repo);
      try {
        return await api.rawFile(key, slug, path, ref, maxBytes);
      } catch (err) {
        if (err instanceof FileTooLargeError) throw err;
        // A missing path is "no file"; a missing repository or commit is a real fault.
        if (err instanceof ServerHttpError && err.status === 404 && /NoSuchPath/.test(err.exception())) return null;
        throw classifyHttpFailure(`${hostName}: read ${repo}/${path}@${ref}`, failureOf(err));
      }
    },
    async refTip(repo, ref) {
      const { key, slug } = parts(repo);
      const what = `read ref ${ref} of ${repo}`;
      if (ref.startsWith('refs/heads/'))
        return (await call(what, () => api.branch(key, slug, ref)))?.latestCommit ?? null;
      if (!ref.startsWith('refs/tags/'))
        throw new PermanentError(
          'bad_ref',
          `"${ref}" is not a full branch or tag name like refs/heads/main or refs/tags/v1.2.0`,
        );
      try {
        return (await api.tag(key, slug, ref.slice('refs/tags/'.length))).latestCommit ?? null;
      } catch (err) {
        // A missing tag is null; a missing repository or project is a real fault.
        if (
          err instanceof ServerHttpError &&
          err.status === 404 &&
          !/NoSuchRepository|NoSuchProject/.test(err.exception())
        )
          return null;
        throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
      }
    },
    async compare(repo, base, head) {
      const { key, slug } = parts(repo);
      const what = `compare ${repo} ${base}...${head}`;
      // An empty page from since=X until=Y means Y has nothing X lacks: Y is an ancestor of X (or X itself).
      const [headAdds, baseAdds, changes] = await Promise.all([
        call(what, () => api.hasCommitsBetween(key, slug, base, head)),
        call(what, () => api.hasCommitsBetween(key, slug, head, base)),
        call(what, () => api.compareChanges(key, slug, head, base)),
      ]);
      const status: Ancestry =
        !headAdds && !baseAdds ? 'identical' : !baseAdds ? 'ahead' : !headAdds ? 'behind' : 'diverged';
      return { status, files: changes === null ? null : changes.map((c) => c.path.toString) };
    },
    async defaultBranch(repo) {
      const { key, slug } = parts(repo);
      const ref = await call(`get default branch of ${repo}`, () => api.defaultBranch(key, slug));
      if (ref === null)
        throw new PermanentError(
          'scm_empty_repo',
          `${hostName}: ${repo} has no default branch yet: push a first commit to it`,
        );
      return ref.displayId;
    },
    async findPullRequest(repo, head, base) {
      const { key, slug } = parts(repo);
      const list = await call(`find pull request ${head} → ${base}`, () =>
        api.pullRequests(key, slug, { at: branchRef(head), direction: 'OUTGOING', state: 'OPEN' }),
      );
      const own = list.find(
        (p) => p.state === 'OPEN' && p.fromRef.id === branchRef(head) && p.toRef.id === branchRef(base),
      );
      if (!own) return null;
      if (listed.size >= LISTED_MAX) listed.clear();
      listed.set(`${repo}#${own.id}`, own);
      return toPullRequest(own, `${web(repo)}/pull-requests/${own.id}`);
    },
    async createPullRequest(repo, input) {
      const { key, slug } = parts(repo);
      const what = `open pull request ${input.head} → ${input.base}`;
      try {
        const pr = await api.createPullRequest(key, slug, {
          title: input.title,
          description: input.body,
          from: branchRef(input.head),
          to: branchRef(input.base),
        });
        return toPullRequest(pr, `${web(repo)}/pull-requests/${pr.id}`);
      } catch (err) {
        // A racing worker opened it first: the caller finds and updates it on "already exists".
        if (err instanceof ServerHttpError && err.status === 409 && /DuplicatePullRequest/.test(err.exception())) {
          const existing = err.errors.find((e) => e.existingPullRequest)?.existingPullRequest;
          throw new PermanentError(
            'scm_pr_exists',
            `${hostName}: ${what}: a pull request already exists${existing ? ` (#${existing.id})` : ''}: ${err.message}`,
          );
        }
        throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
      }
    },
    async updatePullRequest(repo, number, input) {
      const { key, slug } = parts(repo);
      const pr = await withVersion(`update pull request #${number}`, repo, number, (cur) =>
        api.updatePullRequest(key, slug, number, {
          version: cur.version,
          title: input.title,
          description: input.body,
          reviewers: cur.reviewers,
        }),
      );
      return toPullRequest(pr, `${web(repo)}/pull-requests/${pr.id}`);
    },
    async mergePullRequest(repo, number, opts = {}) {
      const { key, slug } = parts(repo);
      await withVersion(`merge pull request #${number}`, repo, number, (cur) =>
        api.mergePullRequest(key, slug, number, cur.version, opts.method ? SERVER_STRATEGY[opts.method] : undefined),
      );
    },
    async comment(repo, number, body) {
      const { key, slug } = parts(repo);
      await call(`comment on #${number}`, () => api.addComment(key, slug, number, body));
    },
    async setStatus(repo, sha, s) {
      parts(repo);
      await call(`set status ${s.context} on ${sha.slice(0, 7)}`, () =>
        api.setBuildStatus(sha, {
          state: STATES[s.state],
          key: s.context,
          name: s.context,
          url: s.targetUrl ?? web(repo),
          description: s.description.slice(0, 255),
        }),
      );
    },
    async commitChecks(repo, sha) {
      parts(repo);
      const list = await call(`read build statuses on ${sha.slice(0, 7)}`, () => api.buildStatuses(sha));
      return newestPerContext(list.map(fromBuildStatus));
    },
    async getPullRequest(repo, number) {
      const { key, slug } = parts(repo);
      const pr = await call(`read pull request #${number}`, () => api.getPullRequest(key, slug, number));
      return toPullRequest(pr, `${web(repo)}/pull-requests/${pr.id}`);
    },
    async gitRemote(repo) {
      const { key, slug } = parts(repo);
      // Bitbucket shows clone URLs with the project key in lower case; git accepts either.
      return { url: `${host.url}/scm/${key.toLowerCase()}/${slug}.git`, headers: { Authorization: authorization } };
    },
    commitUrl(repo, sha) {
      return `${web(repo)}/commits/${sha}`;
    },
  });
}
