import { z } from 'zod';

const sha = z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'must be a 40 or 64 hex digit commit id');
const links = z.array(z.object({ href: z.string(), name: z.string().nullish() })).nullish();

export const BitbucketServerChange = z.object({
  ref: z.object({ id: z.string().min(1) }),
  fromHash: sha,
  toHash: sha,
  type: z.enum(['ADD', 'UPDATE', 'DELETE']),
});
export type BitbucketServerChange = z.infer<typeof BitbucketServerChange>;

export const BitbucketServerRepository = z.object({
  slug: z.string().min(1),
  project: z.object({
    key: z.string().min(1),
    type: z.string().nullish(),
    owner: z.object({ slug: z.string().nullish() }).nullish(),
  }),
  links: z.object({ clone: links, self: links }).nullish(),
});
export type BitbucketServerRepository = z.infer<typeof BitbucketServerRepository>;

/** The fields of a Bitbucket Server / Data Center `repo:refs_changed` body that dispatchd reads. */
export const BitbucketServerPush = z.object({
  actor: z
    .object({ name: z.string().nullish(), slug: z.string().nullish(), displayName: z.string().nullish() })
    .nullish(),
  repository: BitbucketServerRepository,
  changes: z.array(BitbucketServerChange),
});
export type BitbucketServerPush = z.infer<typeof BitbucketServerPush>;
