import { z } from 'zod';

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit commit id');

const BitbucketRef = z.object({
  type: z.string(),
  name: z.string().min(1),
  target: z.object({
    hash: sha,
    message: z.string().nullish(),
    // Current payloads nest the account under `user`; older ones put `display_name` on the author.
    author: z
      .object({
        raw: z.string().nullish(),
        display_name: z.string().nullish(),
        user: z.object({ display_name: z.string().nullish() }).nullish(),
      })
      .nullish(),
  }),
});
export type BitbucketRef = z.infer<typeof BitbucketRef>;

export const BitbucketChange = z.object({
  old: BitbucketRef.nullish(),
  new: BitbucketRef.nullish(),
  forced: z.boolean().nullish(),
  truncated: z.boolean().nullish(),
});
export type BitbucketChange = z.infer<typeof BitbucketChange>;

/** The fields of a Bitbucket Cloud `repo:push` body that dispatchd reads. */
export const BitbucketPush = z.object({
  push: z.object({ changes: z.array(BitbucketChange) }),
  repository: z.object({ full_name: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "workspace/repo_slug"') }),
  actor: z
    .object({
      nickname: z.string().nullish(),
      username: z.string().nullish(),
      display_name: z.string().nullish(),
    })
    .nullish(),
});
export type BitbucketPush = z.infer<typeof BitbucketPush>;
