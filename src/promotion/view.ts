import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../config/schema.js';
import { createAppliedUpdates, type AppliedUpdate } from './applied.js';
import { behindPrevious } from './behind.js';
import { chainInto, chainKey, chainsFrom } from '../config/chains.js';
import { describeGate } from './gate.js';
import { createPrChecks } from './pr-checks.js';
import { createPromotionStates } from './states.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The promotion side of one environment for `GET /api/environments`: what it carries (the newest
 * update dispatchd wrote there: source commit, pinned images, PR), its link in and out of a
 * chain with the gate and where the promotion stands, how far it is behind the environment
 * before it, its open pull request with the checks on its head, and an operator's rollback. Read from Redis only: the receiver holds no SCM token.
 */
export async function promotionView(
  redis: Redis,
  config: Pick<DispatchdConfig, 'gitops'>,
  env: { id: string; repo: string; dir: string },
  peers: { id: string; repo: string; dir: string; source: string }[],
) {
  const applied = createAppliedUpdates(redis);
  const states = createPromotionStates(redis);
  const newest = await applied.newest(env.id);
  const carried = (a: AppliedUpdate) => ({
    sha: a.spec.source.sha,
    ref: a.spec.source.ref,
    images: a.spec.images,
    gitopsCommit: a.gitopsCommit,
    ...(a.prUrl ? { prUrl: a.prUrl } : {}),
    at: iso(a.at),
    ...(a.spec.promotion ? { promotedFrom: a.spec.promotion } : {}),
    ...(a.spec.rollback ? { rollback: a.spec.rollback } : {}),
  });
  const carries = newest ? carried(newest) : null;
  const all = await states.list();
  const into = chainInto(config, env.repo, env.dir);
  let fedBy = null;
  if (into) {
    const source = peers.find((p) => p.id === env.id)?.source;
    const before = peers.find((p) => p.repo === env.repo && p.dir === into.from && p.source === source);
    const state = before ? all.find((s) => s.chain === chainKey(into) && s.fromEnvId === before.id) : undefined;
    fedBy = {
      from: into.from,
      gate: describeGate(into),
      promotion: state ? { ...state, at: iso(state.at) } : null,
      behind: before ? await behindPrevious(applied, before.id, carries?.sha ?? null) : null,
    };
  }
  const feeds = chainsFrom(config, env.repo, env.dir).map((link) => {
    const state = all.find((s) => s.chain === chainKey(link) && s.fromEnvId === env.id);
    return { to: link.to, gate: describeGate(link), promotion: state ? { ...state, at: iso(state.at) } : null };
  });
  const rollback = await states.rollback(env.repo, env.dir);
  const pr = await openPr(redis, env.repo, newest);
  return { carries, pr, fedBy, feeds, rollback: rollback ? { ...rollback, at: iso(rollback.at) } : null };
}

/**
 * The PR of the environment's newest update while it is open (the workers forget it once it is
 * merged or closed), with the newest state of each check on its head; `failed` names the
 * contexts that failed or errored.
 */
async function openPr(redis: Redis, repo: string, newest: AppliedUpdate | null) {
  if (newest?.prNumber === undefined) return null;
  const pr = await createPrChecks(redis).get(repo, newest.prNumber);
  if (!pr) return null;
  return {
    number: pr.number,
    ...(newest.prUrl ? { url: newest.prUrl } : {}),
    headSha: pr.headSha,
    checks: pr.checks.map((c) => ({ ...c, at: iso(c.at) })),
    failed: pr.checks.filter((c) => c.state === 'failure' || c.state === 'error').map((c) => c.context),
    pending: pr.checks.filter((c) => c.state === 'pending').map((c) => c.context),
  };
}
