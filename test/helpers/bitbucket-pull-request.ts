import { readFileSync } from 'node:fs';

export interface BitbucketPullRequestOptions {
  /** The target repository: `workspace/slug` (Cloud) or `PROJECT/slug` (Server). */
  repo: string;
  id: number;
  source: string;
  target: string;
  /** The head commit as the SCM sends it: Cloud abbreviates it to 12 characters, Server does not. */
  sha: string;
  /** The source lives in another repository (a fork): its full name. */
  forkOf?: string;
}

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/webhooks/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;

type Side = { commit: object; branch: object; repository: Record<string, unknown> };

/** A real Bitbucket Cloud `pullrequest:created` body (the go-scm capture), re-aimed at `repo`. */
export function bitbucketCloudPullRequestBody(o: BitbucketPullRequestOptions): string {
  const p = fixture('bitbucket-cloud/goscm-pr_created.json') as {
    pullrequest: Record<string, unknown> & { source: Side; destination: Side };
    repository: Record<string, unknown>;
  };
  const pr = p.pullrequest;
  const repository = (fullName: string) => ({
    ...pr.destination.repository,
    full_name: fullName,
    name: fullName.split('/')[1],
  });
  return JSON.stringify({
    ...p,
    pullrequest: {
      ...pr,
      id: o.id,
      source: {
        ...pr.source,
        commit: { ...pr.source.commit, hash: o.sha },
        branch: { ...pr.source.branch, name: o.source },
        repository: repository(o.forkOf ?? o.repo),
      },
      destination: {
        ...pr.destination,
        branch: { ...pr.destination.branch, name: o.target },
        repository: repository(o.repo),
      },
    },
    repository: { ...p.repository, full_name: o.repo, name: o.repo.split('/')[1] },
  });
}

type ServerRef = { id: string; displayId: string; latestCommit: string; repository: Record<string, unknown> };

/** A real Bitbucket Server `pr:opened` body (the go-scm capture), re-aimed at `repo` (its event key as given). */
export function bitbucketServerPullRequestBody(o: BitbucketPullRequestOptions, eventKey = 'pr:opened'): string {
  const p = fixture('bitbucket-server/goscm-pr_open.json') as {
    pullRequest: Record<string, unknown> & { fromRef: ServerRef; toRef: ServerRef };
  };
  const pr = p.pullRequest;
  const repository = (fullName: string) => {
    const [key, slug] = fullName.split('/') as [string, string];
    const r = pr.toRef.repository;
    return { ...r, slug, name: slug, project: { ...(r.project as object), key, name: key } };
  };
  const ref = (r: ServerRef, branch: string, sha: string, fullName: string) => ({
    ...r,
    id: `refs/heads/${branch}`,
    displayId: branch,
    latestCommit: sha,
    repository: repository(fullName),
  });
  return JSON.stringify({
    ...p,
    eventKey,
    pullRequest: {
      ...pr,
      id: o.id,
      fromRef: ref(pr.fromRef, o.source, o.sha, o.forkOf ?? o.repo),
      toRef: ref(pr.toRef, o.target, pr.toRef.latestCommit, o.repo),
    },
  });
}
