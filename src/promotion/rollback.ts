import type { Job } from 'bullmq';
import { PermanentError } from '../core/errors.js';
import { applyUpdate, type ApplyDeps } from '../gitops/apply.js';
import { revParse } from '../git/mirrors.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { PromotionDeps } from './check.js';
import { carriedHistory, landedFor } from './history.js';

/** `dispatchd rollback`: render an earlier source commit into (repo, dir), which is already held. */
export interface RollbackJob {
  kind: 'rollback';
  repo: string;
  dir: string;
  /** `<source host:owner/name>@<commit>` or `<commit>`; default: the one before the current. */
  to?: string;
  by?: string;
  reason?: string;
}

/** Parses `--to`: `github:acme/app@1a2b3c4` or just `1a2b3c4`. */
export function parseRollbackTarget(to: string): { source?: string; sha: string } | null {
  const m = /^(?:([^:@\s]+:[^@\s]+)@)?([0-9a-f]{7,64})$/.exec(to);
  return m ? { ...(m[1] ? { source: m[1] } : {}), sha: m[2]! } : null;
}

/**
 * Applies the update that carried an earlier source commit, exactly as it was applied then (its
 * resolved args and pinned images), through the normal update path: a pull request, or a commit
 * where the environment's grant allows it. The forward-only rule lets this one move back; the
 * environment stays held (the API paused it before queueing this) until an operator resumes.
 */
export async function runRollback(deps: PromotionDeps & { apply: ApplyDeps }, job: Job<RollbackJob>) {
  const d = job.data;
  const want = d.to ? parseRollbackTarget(d.to) : null;
  const where = `${d.dir || '/'} of ${d.repo}`;
  const candidates = (await deps.environments.list<EnvUpdateSpec>()).filter(
    (e) =>
      `${e.spec.target.host}:${e.spec.target.fullName}` === d.repo &&
      e.spec.envDir === d.dir &&
      (!want?.source || `${e.spec.source.host}:${e.spec.source.fullName}` === want.source),
  );
  if (candidates.length === 0)
    throw new PermanentError(
      'rollback_unknown',
      `${where} has had no update${want?.source ? ` from ${want.source}` : ''}: nothing to roll back`,
    );
  if (candidates.length > 1)
    throw new PermanentError(
      'rollback_ambiguous',
      `several source repositories write ${where}: name one with --to <host:owner/name>@<commit>`,
    );
  const env = candidates[0]!;
  const provider = deps.providers.for(env.spec.target.host);
  const base = env.spec.revision ?? (await provider.defaultBranch(env.spec.target.fullName));
  const mirror = await deps.mirrors.fetch(await provider.gitRemote(env.spec.target.fullName));
  const baseSha = await revParse(mirror, `refs/heads/${base}`);
  // What the base carried, newest first: by content (squash merges drop trailers), else trailers.
  const updates = (await deps.applied.list(env.envId)).map((a) => ({
    gitopsCommit: a.gitopsCommit,
    source: a.spec.source.sha,
  }));
  let history = baseSha ? await carriedHistory(mirror, baseSha, env.spec.envDir, updates) : [];
  if (history.length === 0 && baseSha) history = (await landedFor(mirror, baseSha, env.envId)).map((l) => l.commit);
  const current = history[0];
  const sha = want?.sha ?? history.find((h) => h !== current);
  if (!sha)
    throw new PermanentError(
      'rollback_no_earlier',
      `${where} has no earlier update on ${base} to roll back to: name one with --to <host:owner/name>@<commit>`,
    );
  const applied = await deps.applied.get(env.envId, sha);
  if (!applied)
    throw new PermanentError(
      'rollback_unknown_commit',
      `dispatchd has no record of rendering ${sha.slice(0, 12)} into ${where} (it keeps the last 200 updates of each environment): name a commit it applied there`,
    );
  const spec: EnvUpdateSpec = {
    ...applied.spec,
    seq: env.seq,
    receivedAt: Date.now(),
    rollback: {
      ...(d.by ? { by: d.by } : {}),
      ...(d.reason ? { reason: d.reason } : {}),
      ...(current ? { from: current } : {}),
    },
  };
  delete spec.promotion;
  const result = await applyUpdate(deps.apply, env.envId, spec);
  const prUrl = 'prUrl' in result ? result.prUrl : undefined;
  if (result.outcome === 'updated')
    await deps.applied.record(env.envId, {
      spec: { ...spec, args: result.args, images: result.images },
      gitopsCommit: result.commit,
      branch: result.branch,
      ...(result.prNumber ? { prNumber: result.prNumber } : {}),
      ...(prUrl ? { prUrl } : {}),
      at: Date.now(),
    });
  await deps.environments.recordRun(env.envId, {
    seq: env.seq,
    sha: applied.spec.source.sha,
    outcome: result.outcome === 'updated' ? 'rolled-back' : result.outcome,
    at: Date.now(),
    ...(prUrl ? { prUrl } : {}),
  });
  await deps.states.setRollback({
    repo: d.repo,
    dir: d.dir,
    phase: 'done',
    to: applied.spec.source.sha,
    ...(current ? { from: current } : {}),
    ...(d.by ? { by: d.by } : {}),
    ...(prUrl ? { prUrl } : {}),
    at: Date.now(),
  });
  return { outcome: result.outcome, to: applied.spec.source.sha, ...(prUrl ? { prUrl } : {}) };
}
