import type { Queue } from 'bullmq';
import express, { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { DispatchdConfig } from '../../config/schema.js';
import { DispatchError } from '../../core/errors.js';
import type { EnvUpdateSpec } from '../../core/env-update.js';
import { createEnvironments } from '../../queue/environments.js';
import type { GitopsJob } from '../../queue/jobs.js';
import { jobOptions } from '../../queue/job-options.js';
import { promotionView } from '../../promotion/view.js';
import { createPromotionStates } from '../../promotion/states.js';

export interface EnvironmentsRouterDeps {
  redis: Redis;
  /** Where resume queues the held environments' updates. */
  gitops: Queue<GitopsJob>;
  /** When given, pausing a GitOps repository that no `gitops` grant names is refused (404). */
  config?: Pick<DispatchdConfig, 'gitops'>;
}

const Target = z.object({
  repo: z
    .string()
    .regex(
      /^[^:\s]+:[^\s]+\/[^\s]+$/,
      'repo must be "<host>:<owner/name>" of the GitOps repository, e.g. "github:acme/gitops"',
    ),
  dir: z.string().default(''),
  reason: z.string().max(500).optional(),
  by: z.string().max(200).optional(),
});

/** "./staging/" and "staging" name the same environment; the checkout root is "". */
const normaliseDir = (dir: string) =>
  dir
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');

export function parseTarget(body: unknown, config: EnvironmentsRouterDeps['config']) {
  const r = Target.safeParse(body ?? {});
  if (!r.success)
    throw new DispatchError(
      'bad_request',
      `${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}; send JSON {"repo": "<host>:<owner/name>", "dir": "<environment directory>"}`,
      400,
    );
  const t = { ...r.data, dir: normaliseDir(r.data.dir) };
  if (t.dir.split('/').includes('..'))
    throw new DispatchError(
      'bad_request',
      `dir "${r.data.dir}" contains ".."; give the environment directory relative to the repository root, e.g. "staging"`,
      400,
    );
  if (config && !config.gitops.some((g) => g.repo === t.repo)) {
    throw new DispatchError(
      'not_found',
      `no gitops grant names ${t.repo}, so dispatchd never writes there; configured: ${config.gitops.map((g) => g.repo).join(', ') || 'none'}`,
      404,
    );
  }
  return t;
}

/**
 * `GET /environments`, `POST /environments/pause` and `POST /environments/resume`, mounted under
 * `/api` behind the admin token. A pause names (GitOps repo, dir) and holds every source
 * repository's updates there; resume queues the newest push of each held environment.
 */
export function environmentsRouter(deps: EnvironmentsRouterDeps): Router {
  const envs = createEnvironments(deps.redis);
  const r = Router();
  r.use(express.json({ limit: '64kb' }));
  r.get('/environments', async (_req: Request, res: Response) => {
    const pauses = await envs.pauses.list();
    const paused = (repo: string, dir: string) => pauses.find((p) => p.repo === repo && p.dir === dir);
    const list = (await envs.list<EnvUpdateSpec>()).map((e) => {
      const repo = `${e.spec.target.host}:${e.spec.target.fullName}`;
      const pause = paused(repo, e.spec.envDir);
      return {
        id: e.envId,
        repo,
        dir: e.spec.envDir,
        base: e.spec.revision ?? null,
        source: `${e.spec.source.host}:${e.spec.source.fullName}`,
        newest: {
          seq: e.seq,
          sha: e.spec.source.sha,
          ref: e.spec.source.ref,
          pusher: e.spec.source.pusher,
          receivedAt: new Date(e.spec.receivedAt).toISOString(),
        },
        last: e.last ? { ...e.last, at: new Date(e.last.at).toISOString() } : null,
        waiting: e.pending,
        running: e.jobId !== undefined,
        paused: pause ? { ...pause, at: new Date(pause.at).toISOString() } : null,
      };
    });
    const withChains = await Promise.all(
      list.map(async (e) => ({ ...e, ...(await promotionView(deps.redis, deps.config ?? { gitops: [] }, e, list)) })),
    );
    res.json({ environments: withChains, pauses: pauses.map((p) => ({ ...p, at: new Date(p.at).toISOString() })) });
  });
  r.post('/environments/pause', async (req: Request, res: Response) => {
    const t = parseTarget(req.body, deps.config);
    const existing = await envs.pauses.get(t.repo, t.dir);
    const record = existing ?? {
      repo: t.repo,
      dir: t.dir,
      at: Date.now(),
      ...(t.by ? { by: t.by } : {}),
      ...(t.reason ? { reason: t.reason } : {}),
    };
    if (!existing) await envs.pauses.pause(record);
    res.json({
      status: existing ? 'already paused' : 'paused',
      pause: { ...record, at: new Date(record.at).toISOString() },
    });
  });
  r.post('/environments/resume', async (req: Request, res: Response) => {
    const t = parseTarget(req.body, deps.config);
    const { existed, held } = await envs.pauses.resume(t.repo, t.dir);
    // A rollback is shown until its hold is lifted.
    await createPromotionStates(deps.redis).clearRollback(t.repo, t.dir);
    const queued: string[] = [];
    for (const envId of held) {
      const jobId = await envs.claim(envId);
      await deps.gitops.add('update', { envId }, { ...jobOptions, jobId });
      queued.push(envId);
    }
    res.json({ status: existed ? 'resumed' : 'not paused', repo: t.repo, dir: t.dir, queued });
  });
  return r;
}
