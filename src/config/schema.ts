import { resolve } from 'node:path';
import { z } from 'zod';
import { SCM_KINDS } from '../core/push-event.js';
import { Promotions } from './promotions.js';

const secretList = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((s) => (Array.isArray(s) ? s : [s]));

const githubApp = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  privateKey: z.string().min(1),
  /** Optional: otherwise looked up per repository. */
  installationId: z.union([z.string(), z.number()]).transform(Number).optional(),
});

export const HostConfig = z
  .object({
    kind: z.enum(SCM_KINDS),
    /** Web and git base; GitOps repo URLs in Dispatchfiles are matched against it. */
    url: z.url().transform((u) => u.replace(/\/+$/, '')),
    apiUrl: z
      .url()
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    token: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    app: githubApp.optional(),
    webhookSecret: secretList.optional(),
    /** This host's webhook body limit in bytes; default: the top-level maxBodyBytes. */
    maxBodyBytes: z.number().int().positive().optional(),
  })
  .strict();
export type HostConfig = z.infer<typeof HostConfig>;

export const RepositoryConfig = z
  .object({
    host: z.string().min(1),
    repo: z.string().min(1),
    dispatchfile: z.string().min(1).default('Dispatchfile'),
    /** This repository's own webhook secret(s); when set, the host's no longer verify its pushes. */
    webhookSecret: secretList.optional(),
    /**
     * The commit-status context the team's CI posts for a task dispatchd does not run, per task
     * name; default: the task's name. A GitOps task that depends on such a task waits for it.
     */
    ciContexts: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict();
export type RepositoryConfig = z.infer<typeof RepositoryConfig>;

const duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a number of ms or e.g. "30s", "5m", "7d"'),
]);

/** How dispatchd merges a pull request it was asked to merge (-merge-pull-request). */
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

export const MergeSettings = z
  .object({
    /** How the SCM merges: a merge commit, one squashed commit, or the head's commits rebased. */
    method: z.enum(MERGE_METHODS).default('merge'),
    /** A check still pending this long after the request gets a comment, not a merge. */
    timeout: duration.default('24h'),
    /** Contexts that must have reported success on the head, besides every check that reported at all. */
    requiredChecks: z.array(z.string().min(1)).default([]),
    /**
     * Hand the merge to the SCM's own auto-merge where it has one (GitHub, GitLab) and it waits
     * for every context in requiredChecks; false: dispatchd always merges itself.
     */
    native: z.boolean().default(true),
  })
  .strict();
export type MergeSettings = z.infer<typeof MergeSettings>;

/** How an update may land: a pull request (reviewed), a commit on the base, or a merged pull request. */
export const GRANT_MODES = ['pull-request', 'direct', 'merge'] as const;
export type GrantMode = (typeof GRANT_MODES)[number];

export const GitopsGrant = z
  .object({
    /** `<host>:<owner/name>` of the GitOps repository. */
    repo: z.string().regex(/^[^:]+:.+$/, 'must be "<host>:<owner/name>"'),
    allow: z
      .array(
        z
          .object({
            /** `<host>:<owner/name glob>` of the source repositories granted. */
            from: z.string().regex(/^[^:]+:.+$/, 'must be "<host>:<owner/name glob>"'),
            /** Source branches that may deploy (globs); with `tags` omitted too, any ref may open pull requests. */
            branches: z.array(z.string().min(1)).min(1).optional(),
            /** Source tags that may deploy (globs). */
            tags: z.array(z.string().min(1)).min(1).optional(),
            paths: z.array(z.string().min(1)).min(1).default(['**']),
            /** How updates may land: `direct` and `merge` only for the refs listed in branches/tags. */
            modes: z.array(z.enum(GRANT_MODES)).min(1).default(['pull-request']),
            /** GitOps base branches (globs) updates may target; default: the repository's default branch. */
            bases: z.array(z.string().min(1)).min(1).optional(),
            /**
             * Updates planned by a Dispatchfile `pull_request` action (the ref is the pull request's
             * head branch) are granted only where this is true; a fork's pull request never is.
             */
            pullRequests: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    /** Promotion chains in this repository, e.g. staging → production (docs/promotion.md). */
    promotions: Promotions,
    /** Merge when green: how pull requests of this repository are merged (docs/gitops.md). */
    merge: MergeSettings.default({ method: 'merge', timeout: '24h', requiredChecks: [], native: true }),
    /**
     * How often merge-when-green jobs and promotion checks of this repository look again while
     * no webhook wakes them: `first` delay, doubling to `max` (defaults 1s/2s → 1m).
     */
    poll: z.object({ first: duration.optional(), max: duration.optional() }).strict().optional(),
  })
  .strict();
export type GitopsGrant = z.infer<typeof GitopsGrant>;

export const RegistryConfig = z
  .object({
    /** Only listed registries are contacted; "*" stands for one whole leading label, e.g. "*.dkr.ecr.us-east-1.amazonaws.com" (docs/registry.md). */
    host: z
      .string()
      .min(1)
      .refine(
        (h) => !h.includes('*') || /^(\*\.)+[^*\s]+\.[^*\s]+$/.test(h.replace(/^[a-z]+:\/\//i, '')),
        'a pattern uses "*" only as whole leading labels, followed by at least two fixed ones, e.g. "*.dkr.ecr.us-east-1.amazonaws.com"',
      ),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Use plain http (loopback registries in tests and labs); also allows a loopback address. */
    insecure: z.boolean().default(false),
    /** Allow private, loopback and link-local addresses (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, fc00::/7, fe80::/10). */
    allowPrivate: z.boolean().default(false),
    /** Token services (Bearer realm hosts) this registry may send clients to besides its own host, e.g. [auth.docker.io]. */
    tokenHosts: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type RegistryConfig = z.infer<typeof RegistryConfig>;

export const DispatchdConfig = z
  .object({
    // Names are checked beside the values (not as the record's key schema) so that a bad name
    // does not hide the problems in that host's settings: every error is listed at once.
    hosts: z.record(z.string(), HostConfig).superRefine((hosts, ctx) => {
      for (const name of Object.keys(hosts)) {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'host names are lower-case letters, digits and "-" (the webhook path is /hooks/<name>)',
          });
      }
    }),
    repositories: z.array(RepositoryConfig).default([]),
    gitops: z.array(GitopsGrant).default([]),
    registries: z.array(RegistryConfig).default([]),
    /** How long to wait for CI to push an image before its digest is declared missing. */
    digestWait: duration.default('10m'),
    /** How long a GitOps task waits for the status of a task left to the team's CI (tests, a build elsewhere). */
    ciWait: duration.default('1h'),
    /** Largest Dispatchfile dispatchd parses (bytes); a pusher writes it. */
    dispatchfileMaxBytes: z
      .number()
      .int()
      .positive()
      .max(16 * 1024 * 1024)
      .default(256 * 1024),
    /** Passing SCM faults are retried with capped, jittered exponential backoff until `horizon` after receipt (docs/reliability.md). */
    retry: z
      .object({
        horizon: duration.default('24h'),
        firstDelay: duration.default('1s'),
        maxDelay: duration.default('10m'),
      })
      .strict()
      .default({ horizon: '24h', firstDelay: '1s', maxDelay: '10m' }),
    /** How long delivery ids are remembered to drop redeliveries. */
    deliveryTtl: duration.default('7d'),
    /** How long SIGTERM waits for in-flight work before leaving unfinished jobs to other workers and exiting. */
    shutdownTimeout: duration.default('20s'),
    /** How long the digest of a signed body is remembered: the same body under a new delivery id is a replay. 0 turns it off. */
    replayWindow: duration.default('1h'),
    /** Where GitOps mirrors and work trees are kept. */
    dataDir: z
      .string()
      .default('.dispatchd')
      .transform((p) => resolve(p)),
    /** Public base URL of this service, for links in statuses. */
    publicUrl: z.url().optional(),
    /** Maximum webhook body size in bytes. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    /** The HTTP edge (docs/reliability.md#the-http-edge): slow or too many clients are cut off; defaults in src/http/server.ts. */
    http: z
      .object({
        headersTimeout: duration.optional(),
        requestTimeout: duration.optional(),
        maxConnections: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /** Git committer identity for GitOps commits. */
    committer: z
      .object({ name: z.string().default('dispatchd'), email: z.string().default('dispatchd@localhost') })
      .strict()
      .default({ name: 'dispatchd', email: 'dispatchd@localhost' }),
    workers: z
      .object({
        events: z.number().int().positive().default(4),
        tasks: z.number().int().positive().default(4),
        /** How long a job's lock lasts without renewal: a killed worker's jobs are taken back after about this long. */
        lockDuration: duration.default('30s'),
        /** How often workers look for jobs whose worker died. */
        stalledInterval: duration.default('15s'),
        /** How often a job may be taken back from dead workers before it fails for good. */
        maxStalledCount: z.number().int().nonnegative().default(5),
      })
      .strict()
      .default({ events: 4, tasks: 4, lockDuration: '30s', stalledInterval: '15s', maxStalledCount: 5 }),
    /** The audit trail of deliveries (GET /api/deliveries): how long each is kept after its last update. */
    audit: z
      .object({ retention: duration.default('14d') })
      .strict()
      .default({ retention: '14d' }),
    /** `public: true` serves /metrics without the admin token (e.g. for a scraper inside the cluster). */
    metrics: z
      .object({ public: z.boolean().default(false) })
      .strict()
      .default({ public: false }),
    /**
     * Redis through Sentinel (used instead of REDIS_URL when `sentinels` is set), and how many
     * replicas must hold a delivery before it is answered 202 (docs/reliability.md#redis-failover).
     */
    redis: z
      .object({
        sentinels: z
          .array(
            z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(26379) }).strict(),
          )
          .min(1)
          .optional(),
        /** The master group name the sentinels monitor. */
        name: z.string().min(1).default('mymaster'),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        sentinelUsername: z.string().min(1).optional(),
        sentinelPassword: z.string().min(1).optional(),
        db: z.number().int().nonnegative().default(0),
        /** Replicas that must acknowledge a delivery (Redis WAIT) before its 202; 0 = off. */
        minReplicasToAck: z.number().int().nonnegative().default(0),
        /** How long WAIT waits for them (at most 1s: the receiver answers within 2 s). */
        ackTimeout: duration.default('500ms'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DispatchdConfig = z.infer<typeof DispatchdConfig>;
