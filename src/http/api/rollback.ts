import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import express, { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../../config/schema.js';
import { DispatchError } from '../../core/errors.js';
import type { PromotionJob } from '../../promotion/queue.js';
import { parseRollbackTarget } from '../../promotion/rollback.js';
import { createPromotionStates } from '../../promotion/states.js';
import { createPauses } from '../../queue/pauses.js';
import { parseTarget } from './environments.js';

export interface RollbackRouterDeps {
  redis: Redis;
  promotions: Queue<PromotionJob>;
  config?: Pick<DispatchdConfig, 'gitops'>;
}

/**
 * `POST /environments/rollback` {repo, dir, to?, by?, reason?}: holds the environment (the
 * pause of `dispatchd pause`, so it survives restarts and only `resume` lifts it), then queues
 * the rollback, which a worker applies: the receiver holds no SCM token. Answers 202.
 */
export function rollbackRouter(deps: RollbackRouterDeps): Router {
  const pauses = createPauses(deps.redis);
  const states = createPromotionStates(deps.redis);
  const r = Router();
  r.use(express.json({ limit: '64kb' }));
  r.post('/environments/rollback', async (req: Request, res: Response) => {
    const t = parseTarget(req.body, deps.config);
    const to = (req.body as { to?: unknown }).to;
    if (to !== undefined && (typeof to !== 'string' || !parseRollbackTarget(to)))
      throw new DispatchError(
        'bad_request',
        `to: "${String(to)}" is not <host:owner/name>@<commit> or <commit> (7 to 64 hex digits); e.g. "github:acme/app@1a2b3c4"`,
        400,
      );
    const reason = `rollback${to ? ` to ${to}` : ''}${t.reason ? `: ${t.reason}` : ''}`;
    const existing = await pauses.get(t.repo, t.dir);
    const pause = existing ?? { repo: t.repo, dir: t.dir, at: Date.now(), reason, ...(t.by ? { by: t.by } : {}) };
    if (!existing) await pauses.pause(pause);
    const jobId = `rollback-${createHash('sha256').update(`${t.repo}|${t.dir}`).digest('hex').slice(0, 16)}-${Date.now()}`;
    await deps.promotions.add(
      'rollback',
      {
        kind: 'rollback',
        repo: t.repo,
        dir: t.dir,
        ...(typeof to === 'string' ? { to } : {}),
        ...(t.by ? { by: t.by } : {}),
        ...(t.reason ? { reason: t.reason } : {}),
      },
      {
        jobId,
        attempts: 8,
        backoff: { type: 'dispatchd' },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    await states.setRollback({
      repo: t.repo,
      dir: t.dir,
      phase: 'queued',
      ...(typeof to === 'string' ? { to } : {}),
      ...(t.by ? { by: t.by } : {}),
      at: Date.now(),
    });
    res.status(202).json({
      status: 'rolling back',
      repo: t.repo,
      dir: t.dir,
      jobId,
      held: { ...pause, at: new Date(pause.at).toISOString() },
    });
  });
  return r;
}
