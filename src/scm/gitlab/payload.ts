import { z } from 'zod';

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit commit id');
const paths = z.array(z.string()).nullish();

const GitlabCommit = z.object({
  id: z.string(),
  message: z.string().nullish(),
  url: z.string().nullish(),
  author: z.object({ name: z.string().nullish() }).nullish(),
  added: paths,
  modified: paths,
  removed: paths,
});
export type GitlabCommit = z.infer<typeof GitlabCommit>;

/** What routes a GitLab body: project hooks set `object_kind`, some system hooks only `event_name`. */
export const GitlabEventKind = z.object({ object_kind: z.unknown().optional(), event_name: z.unknown().optional() });

/**
 * The fields of a GitLab push or tag push body (project hook or system hook) that dispatchd reads.
 * `project` has been sent since GitLab 9; older instances are not supported.
 */
export const GitlabPush = z.object({
  ref: z.string().min(1),
  before: sha,
  after: sha,
  checkout_sha: sha.nullish(),
  user_username: z.string().nullish(),
  user_name: z.string().nullish(),
  project: z.object({
    path_with_namespace: z.string().min(1),
    git_http_url: z.string().nullish(),
    http_url: z.string().nullish(),
    web_url: z.string().nullish(),
  }),
  repository: z
    .object({
      git_http_url: z.string().nullish(),
      homepage: z.string().nullish(),
    })
    .nullish(),
  commits: z.array(GitlabCommit).nullish(),
  total_commits_count: z.number().int().nullish(),
});
export type GitlabPush = z.infer<typeof GitlabPush>;
