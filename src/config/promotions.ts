import { z } from 'zod';

const duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a number of ms or e.g. "30s", "5m", "7d"'),
]);

/** "./staging/" and "staging" name the same environment directory; the repository root is "". */
export const normaliseDir = (dir: string) =>
  dir
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');

const dir = z
  .string()
  .transform(normaliseDir)
  .refine((d) => !d.split('/').includes('..'), 'an environment directory relative to the repository root, no ".."');

/**
 * One link of a promotion chain in a GitOps repository: once an update of `from` is on the base
 * branch and its gate passes, the same update (resolved args and image digests) is proposed for
 * `to` (docs/promotion.md).
 */
export const PromotionLink = z
  .object({
    from: dir,
    to: dir,
    gate: z
      .object({
        /** A commit status or check (Argo CD Notifications, Flux notification-controller) on the merged commit or a descendant. */
        status: z
          .object({
            context: z.string().min(1),
            state: z.enum(['success', 'failure', 'error', 'pending']).default('success'),
          })
          .strict()
          .optional(),
        /** The Argo CD API instead of (or besides) a status: the Application Synced to the landed commit and Healthy. */
        argocd: z
          .object({
            url: z.url().refine((u) => /^https?:/.test(u), 'an http(s) URL of the Argo CD server'),
            application: z.string().min(1),
            token: z.string().min(1),
          })
          .strict()
          .optional(),
        /** How long the status must have been green (or, with no status, the update on the base) before promoting. */
        soak: duration.default(0),
      })
      .strict()
      .refine(
        (g) => g.status !== undefined || g.argocd !== undefined || g.soak !== 0,
        'a gate needs a status, the Argo CD API, a soak time, or some of them',
      ),
    /** The promotion pull request merges when green (needs "merge" in the grant's modes for the source ref). */
    merge: z.boolean().default(false),
    /** `to` also takes pushes planned straight for it; by default only promotions feed it. */
    pushes: z.boolean().default(false),
    /** How long a promotion check waits for the merge and the gate before it gives up, visibly. */
    timeout: duration.default('24h'),
  })
  .strict()
  .refine((l) => l.from !== l.to, { message: 'from and to name the same directory', path: ['to'] });
export type PromotionLink = z.infer<typeof PromotionLink>;

export const Promotions = z
  .array(PromotionLink)
  .superRefine((links, ctx) => {
    const fed = new Map<string, number>();
    links.forEach((l, i) => {
      if (fed.has(l.to))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'to'],
          message: `"${l.to}" is already fed by link ${fed.get(l.to)}: one environment has one predecessor`,
        });
      fed.set(l.to, i);
    });
  })
  .optional();
