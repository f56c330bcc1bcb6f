import type { Redis } from 'ioredis';
import type { DispatchdConfig } from '../config/schema.js';
import { createAppliedUpdates } from './applied.js';
import { chainInto, chainKey, chainsFrom } from '../config/chains.js';
import { describeGate } from './gate.js';
import { createPromotionStates } from './states.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The promotion side of one environment for `GET /api/environments`: what it carries (the newest
 * update dispatchd wrote there: source commit, pinned images, PR), its link in and out of a
 * chain with the gate and where the promotion stands, whether it is behind the environment
 * before it, and an operator's rollback. Read from Redis only: the receiver holds no SCM token.
 */
export async function promotionView(
  redis: Redis,
  config: Pick<DispatchdConfig, 'gitops'>,
  env: { id: string; repo: string; dir: string },
  peers: { id: string; repo: string; dir: string; source: string }[],
) {
  const applied = createAppliedUpdates(redis);
  const states = createPromotionStates(redis);
  const carriedBy = async (id: string) => {
    const a = await applied.newest(id);
    if (!a) return null;
    return {
      sha: a.spec.source.sha,
      ref: a.spec.source.ref,
      images: a.spec.images,
      gitopsCommit: a.gitopsCommit,
      ...(a.prUrl ? { prUrl: a.prUrl } : {}),
      at: iso(a.at),
      ...(a.spec.promotion ? { promotedFrom: a.spec.promotion } : {}),
      ...(a.spec.rollback ? { rollback: a.spec.rollback } : {}),
    };
  };
  const carries = await carriedBy(env.id);
  const all = await states.list();
  const into = chainInto(config, env.repo, env.dir);
  let fedBy = null;
  if (into) {
    const source = peers.find((p) => p.id === env.id)?.source;
    const before = peers.find((p) => p.repo === env.repo && p.dir === into.from && p.source === source);
    const prior = before ? await carriedBy(before.id) : null;
    const state = before ? all.find((s) => s.chain === chainKey(into) && s.fromEnvId === before.id) : undefined;
    fedBy = {
      from: into.from,
      gate: describeGate(into),
      promotion: state ? { ...state, at: iso(state.at) } : null,
      // Behind when the environment before it carries another source commit than this one.
      behind: prior ? { previous: prior.sha, carries: carries?.sha ?? null, behind: prior.sha !== carries?.sha } : null,
    };
  }
  const feeds = chainsFrom(config, env.repo, env.dir).map((link) => {
    const state = all.find((s) => s.chain === chainKey(link) && s.fromEnvId === env.id);
    return { to: link.to, gate: describeGate(link), promotion: state ? { ...state, at: iso(state.at) } : null };
  });
  const rollback = await states.rollback(env.repo, env.dir);
  return { carries, fedBy, feeds, rollback: rollback ? { ...rollback, at: iso(rollback.at) } : null };
}
