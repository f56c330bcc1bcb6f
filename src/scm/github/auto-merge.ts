import type { Octokit } from '@octokit/rest';
import type { AutoMergeAnswer, MergeMethod, NativeAutoMerge } from '../contracts.js';

export interface GithubAutoMergeDeps {
  client(repo: string): Promise<Octokit>;
  /** Runs one API call, turning HTTP failures into dispatchd's transient/permanent errors. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  split(repo: string): { owner: string; repo: string };
  requiredChecks(repo: string, branch: string): Promise<string[]>;
}

// octokit reserves `method`, `headers`, `url` and `query` as option names: variables are named apart.
const ENABLE = `mutation($pr: ID!, $mergeMethod: PullRequestMergeMethod!, $expectedHeadOid: GitObjectID!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pr, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid }) {
    pullRequest { number }
  }
}`;
const DISABLE = `mutation($pr: ID!) {
  disablePullRequestAutoMerge(input: { pullRequestId: $pr }) { pullRequest { number } }
}`;

/** GraphQL answers a refusal with HTTP 200 and an `errors` list; octokit throws it with `errors` set. */
function graphqlRefusal(err: unknown): string | null {
  const errors = (err as { errors?: { message?: string }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  return errors.map((e) => e.message ?? 'refused').join('; ');
}

/**
 * GitHub's auto-merge through GraphQL. A refusal (the repository does not allow auto-merge, the
 * PR is already mergeable: "clean status", no protection rule on the base...) is an answer, not an
 * error: the caller merges itself. Transport failures throw as every other call does.
 */
export function githubAutoMerge(d: GithubAutoMergeDeps): NativeAutoMerge {
  const nodeId = async (repo: string, number: number): Promise<string> => {
    const o = await d.client(repo);
    const { data } = await d.call(`read pull request #${number}`, () =>
      o.pulls.get({ ...d.split(repo), pull_number: number }),
    );
    return data.node_id;
  };
  return {
    enforced: (repo, base) => d.requiredChecks(repo, base),
    async enable(repo, number, opts: { method: MergeMethod; sha: string }): Promise<AutoMergeAnswer> {
      const o = await d.client(repo);
      const { data } = await d.call(`get ${repo}`, () => o.repos.get(d.split(repo)));
      // Absent when the token may not read the settings: then the mutation says.
      if (data.allow_auto_merge === false)
        return {
          enabled: false,
          reason: 'auto-merge is off for the repository (Settings → General → Allow auto-merge)',
        };
      const pr = await nodeId(repo, number);
      try {
        await o.graphql(ENABLE, { pr, mergeMethod: opts.method.toUpperCase(), expectedHeadOid: opts.sha });
        return { enabled: true };
      } catch (err) {
        const refusal = graphqlRefusal(err);
        if (refusal === null) return d.call(`enable auto-merge on #${number}`, () => Promise.reject(err));
        return { enabled: false, reason: refusal };
      }
    },
    async disable(repo, number) {
      const o = await d.client(repo);
      const pr = await nodeId(repo, number);
      try {
        await o.graphql(DISABLE, { pr });
      } catch (err) {
        // Nothing to take back (already off, or merged meanwhile): the caller reads the PR next.
        if (graphqlRefusal(err) === null) await d.call(`disable auto-merge on #${number}`, () => Promise.reject(err));
      }
    },
  };
}
