import { withPullRequests } from '../pull-request-part.js';
import { Gitlab } from '@gitbeaker/rest';
import type { HostConfig } from '../../config/schema.js';
import { PermanentError, TransientError } from '../../core/errors.js';
import type { Ancestry, CommitState, CommitStatus, ScmProvider } from '../contracts.js';
import { DEFAULT_READ_LIMIT, FileTooLargeError, readCapped } from '../bounded-body.js';
import { classifyHttpFailure, type HttpFailure } from '../http-errors.js';
import {
  mergeBlockedHint,
  mergeStatusIsPending,
  toPullRequest,
  toReadPullRequest,
  type MergeRequestFields,
} from './merge-request.js';
import { singleAttemptRequester, streamGet } from './requester.js';
import { gitlabAutoMerge } from './auto-merge.js';
import { gitlabWriteAccess } from './members.js';
import { newestPerContext } from '../newest-per-context.js';
import { fromGitlabStatus, type GitlabStatus } from './statuses.js';

// GitLab's commit-status states; ours name failure and error apart, GitLab has only `failed`.
const STATES: Record<CommitState, 'pending' | 'success' | 'failed'> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/** The status, headers and message of a failed gitbeaker call, whichever requester threw it. */
function failureOf(err: unknown): HttpFailure {
  const e = err as { message?: string; cause?: { response?: Response } };
  const response = e.cause?.response;
  const headers: Record<string, string> = response ? Object.fromEntries(response.headers.entries()) : {};
  // GitLab names its rate-limit headers without the `x-` prefix that classifyHttpFailure reads.
  if (headers['ratelimit-remaining'] !== undefined) headers['x-ratelimit-remaining'] ??= headers['ratelimit-remaining'];
  if (headers['ratelimit-reset'] !== undefined) headers['x-ratelimit-reset'] ??= headers['ratelimit-reset'];
  return { status: response?.status, headers, message: e.message ?? String(err) };
}

const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** gitbeaker's `host` is the instance root; it appends `/api/v4` itself. */
function gitbeakerHost(hostName: string, host: HostConfig): string {
  const apiUrl = host.apiUrl ?? `${host.url}/api/v4`;
  if (!apiUrl.endsWith('/api/v4')) {
    throw new PermanentError(
      'config_invalid',
      `host "${hostName}": GitLab apiUrl "${apiUrl}" must end in /api/v4 (e.g. https://gitlab.example.com/api/v4)`,
    );
  }
  return apiUrl.slice(0, -'/api/v4'.length);
}

/**
 * GitLab (gitlab.com and self-managed, nested groups) through @gitbeaker/rest. `repo` is the
 * project's full path (`group/sub/name`); gitbeaker URL-encodes it as the project id.
 */
export function gitlabProvider(hostName: string, host: HostConfig): ScmProvider {
  const token = host.token ?? host.password;
  if (token === undefined) {
    throw new PermanentError(
      'config_invalid',
      `host "${hostName}" (gitlab) has no token: set token to a personal, group or project access token with the api scope`,
    );
  }
  const apiUrl = `${gitbeakerHost(hostName, host)}/api/v4`;
  const api = new Gitlab({
    host: gitbeakerHost(hostName, host),
    token,
    requesterFn: singleAttemptRequester,
    queryTimeout: 30_000,
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyHttpFailure(`${hostName}: ${what}`, failureOf(err));
    }
  }

  const mr = (data: unknown) => toPullRequest(data as MergeRequestFields);

  /** The commit id of `rev`; a full id is taken as is, anything else costs one call. */
  async function commitId(repo: string, rev: string): Promise<string> {
    if (COMMIT_ID.test(rev)) return rev;
    const data = await call(`resolve ${rev} in ${repo}`, () => api.Commits.show(repo, rev));
    return (data as { id: string }).id;
  }

  return withPullRequests({
    kind: 'gitlab',
    autoMerge: gitlabAutoMerge({ api, call, failureOf }),
    writeAccess: gitlabWriteAccess({ api, hostName, failureOf }),
    async readFile(repo, path, ref, maxBytes = DEFAULT_READ_LIMIT) {
      try {
        // Past gitbeaker, which reads every body whole: this one is read with a cap.
        const endpoint = `projects/${encodeURIComponent(repo)}/repository/files/${encodeURIComponent(path)}/raw`;
        const body = await streamGet(apiUrl, endpoint, { ref }, { 'private-token': token });
        return (await readCapped(body, maxBytes, path)).toString('utf8');
      } catch (err) {
        if (err instanceof FileTooLargeError) throw err;
        const f = failureOf(err);
        // Only a missing file is "no such file"; a missing project or commit is a real problem.
        if (f.status === 404 && !/project|commit/i.test(f.message)) return null;
        throw classifyHttpFailure(`${hostName}: read ${repo}/${path}@${ref}`, f);
      }
    },
    async refTip(repo, ref) {
      const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
      const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
      if (branch === undefined && tag === undefined)
        throw new PermanentError(
          'bad_ref',
          `"${ref}" is not a full branch or tag name like refs/heads/main or refs/tags/v1.2.0`,
        );
      try {
        // A tag's `commit` is the commit it peels to; `target` would be the tag object.
        const data =
          branch !== undefined ? await api.Branches.show(repo, branch) : await api.Tags.show(repo, tag ?? '');
        return (data as unknown as { commit: { id: string } }).commit.id;
      } catch (err) {
        const f = failureOf(err);
        // "404 Branch Not Found" / "404 Tag Not Found"; a missing project is a real problem.
        if (f.status === 404 && !/project/i.test(f.message)) return null;
        throw classifyHttpFailure(`${hostName}: read ref ${ref} of ${repo}`, f);
      }
    },
    async compare(repo, base, head) {
      const what = `compare ${repo} ${base}...${head}`;
      // Commit ids first, so that the ancestry test compares ids and both calls see one history.
      const [from, to] = await Promise.all([commitId(repo, base), commitId(repo, head)]);
      const [mergeBase, data] = await Promise.all([
        call(`${what}: merge base`, () => api.Repositories.mergeBase(repo, [from, to])),
        // straight=false compares from the merge base, as GitHub's three-dot compare does.
        call(what, () => api.Repositories.compare(repo, from, to, { straight: false })),
      ]);
      const common = (mergeBase as { id: string }).id;
      const status: Ancestry =
        from === to ? 'identical' : common === from ? 'ahead' : common === to ? 'behind' : 'diverged';
      // compare_timeout is GitLab's "the diff overflowed its limits" (max files, lines or bytes):
      // the list is then cut short. A collapsed or too_large diff still names its paths.
      if (data.compare_timeout) return { status, files: null };
      const paths = new Set<string>();
      for (const d of (data.diffs ?? []) as { old_path: string; new_path: string; renamed_file?: boolean }[]) {
        if (d.renamed_file) paths.add(d.old_path);
        paths.add(d.new_path);
      }
      return { status, files: [...paths] };
    },
    async defaultBranch(repo) {
      const data = await call(`get project ${repo}`, () => api.Projects.show(repo));
      const branch = (data as { default_branch?: string | null }).default_branch;
      if (!branch)
        throw new PermanentError(
          'scm_empty_repo',
          `${hostName}: project ${repo} has no default branch (is the repository empty?): push a first commit`,
        );
      return branch;
    },
    async findPullRequest(repo, head, base) {
      const list = await call(`find merge request ${head} → ${base} in ${repo}`, () =>
        api.MergeRequests.all({
          projectId: repo,
          state: 'opened',
          sourceBranch: head,
          targetBranch: base,
          perPage: 20,
          maxPages: 1,
        }),
      );
      // Merge requests from forks can share a branch name; only the project's own branch counts.
      const own = (list as unknown as MergeRequestFields[]).find(
        (m) =>
          m.source_branch === head &&
          m.target_branch === base &&
          (m.source_project_id === undefined || m.source_project_id === m.target_project_id),
      );
      return own ? mr(own) : null;
    },
    async createPullRequest(repo, input) {
      // GitLab answers 409 "Another open merge request already exists for this source branch"
      // when a racing worker won; the message reaches the caller, which finds and updates it.
      const data = await call(`open merge request ${input.head} → ${input.base} in ${repo}`, () =>
        api.MergeRequests.create(repo, input.head, input.base, input.title.slice(0, 255), { description: input.body }),
      );
      return mr(data);
    },
    async updatePullRequest(repo, number, input) {
      const data = await call(`update merge request ${repo}!${number}`, () =>
        api.MergeRequests.edit(repo, number, { title: input.title.slice(0, 255), description: input.body }),
      );
      return mr(data);
    },
    async mergePullRequest(repo, number, opts = {}) {
      // Merge now rather than set merge_when_pipeline_succeeds: -merge-pull-request means "merge",
      // and an auto-merge would leave the MR open while dispatchd reports it merged. A project
      // that requires a pipeline gets a message saying so (ci_must_pass) instead.
      try {
        // GitLab merges by the project's merge method; squash is the one choice a merge may make.
        await api.MergeRequests.accept(repo, number, {
          ...(opts.method === 'squash' ? { squash: true } : {}),
          ...(opts.sha ? { sha: opts.sha } : {}),
        });
      } catch (err) {
        const f = failureOf(err);
        if (f.status !== 405 && f.status !== 406 && f.status !== 422)
          throw classifyHttpFailure(`${hostName}: merge ${repo}!${number}`, f);
        const current = (await call(`read merge request ${repo}!${number}`, () =>
          api.MergeRequests.show(repo, number),
        )) as unknown as MergeRequestFields;
        const status = current.detailed_merge_status ?? current.merge_status;
        if (mergeStatusIsPending(status)) {
          throw new TransientError(
            'scm_merge_checking',
            `${hostName}: merge !${number}: GitLab is still checking mergeability (${status}); will retry`,
            5_000,
          );
        }
        throw new PermanentError(
          'scm_merge_blocked',
          `${hostName}: merge !${number}: HTTP ${f.status} ${f.message}: ${mergeBlockedHint(status)}`,
        );
      }
    },
    async comment(repo, number, body) {
      await call(`comment on ${repo}!${number}`, () => api.MergeRequestNotes.create(repo, number, body));
    },
    async setStatus(repo, sha, s: CommitStatus) {
      try {
        await api.Commits.editStatus(repo, sha, STATES[s.state], {
          name: s.context,
          description: s.description.slice(0, 255),
          ...(s.targetUrl ? { targetUrl: s.targetUrl } : {}),
        });
      } catch (err) {
        const f = failureOf(err);
        // GitLab refuses to move a status to the state it already has ("Cannot transition status
        // via :enqueue from :pending"); a retried job setting pending again is not a failure.
        if (f.status === 400 && /cannot transition status/i.test(f.message)) return;
        throw classifyHttpFailure(`${hostName}: set status ${s.context} on ${sha.slice(0, 7)} of ${repo}`, f);
      }
    },
    async commitChecks(repo, sha) {
      // GitLab lists the latest status per name and ref by default; one name on two refs (a
      // branch and its MR) shows twice, so the newest per name is kept here.
      const list = await call(`read statuses on ${sha.slice(0, 7)} of ${repo}`, () =>
        api.Commits.allStatuses(repo, sha),
      );
      return newestPerContext((list as unknown as GitlabStatus[]).map(fromGitlabStatus));
    },
    async getPullRequest(repo, number) {
      const data = await call(`read merge request ${repo}!${number}`, () => api.MergeRequests.show(repo, number));
      return toReadPullRequest(data as unknown as MergeRequestFields);
    },
    async gitRemote(repo) {
      return {
        url: `${host.url}/${repo}.git`,
        headers: { Authorization: `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}` },
      };
    },
    commitUrl(repo, sha) {
      return `${host.url}/${repo}/-/commit/${sha}`;
    },
  });
}
