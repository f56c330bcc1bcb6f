import { DelayedError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { toMs } from '../config/duration.js';
import { backoff, pollFor, type PollSettings } from '../config/poll.js';
import type { DispatchdConfig } from '../config/schema.js';
import { revParse, type Mirrors } from '../git/mirrors.js';
import type { Logger } from '../log/logger.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { Environments } from '../queue/environments.js';
import { jobOptions } from '../queue/job-options.js';
import type { GitopsJob } from '../queue/jobs.js';
import { keys } from '../queue/names.js';
import type { CommitStatus } from '../scm/contracts.js';
import type { Providers } from '../scm/providers.js';
import type { AppliedUpdates } from './applied.js';
import { chainKey, chains, type Chain } from '../config/chains.js';
import { readArgocdGate } from './argocd-gate.js';
import { describeGate, readStatusGate } from './gate.js';
import { landedByContent, landedFor, selfAndDescendants } from './history.js';
import { promotedSpec } from './promote-spec.js';
import { rerunKey } from './queue.js';
import type { PromotionPhase, PromotionStates } from './states.js';

export interface PromotionDeps {
  config: DispatchdConfig;
  providers: Providers;
  mirrors: Mirrors;
  environments: Environments;
  applied: AppliedUpdates;
  states: PromotionStates;
  gitops: Queue<GitopsJob>;
  redis: Redis;
  log: Logger;
  /** Sets the "promoting" status on the source commit; the gitops job settles it. */
  setStatus: (host: string, repo: string, sha: string, status: CommitStatus) => Promise<void>;
}

/** A promotion check's job data: which link, from which environment, and what it saw so far. */
export interface CheckJob {
  kind: 'check';
  fromEnvId: string;
  chain: string;
  /** When this wait began (a new update of `from` starts a new one). */
  since: number;
  looks: number;
  /** The GitOps commit seen on the base, and since when its gate was seen green. */
  seen?: { gitopsCommit: string; greenAt?: number };
}

// Polls start 2 s apart and back off to a minute: an event (a merged PR, a status) runs the
// check early, so the poll only bounds how late a lost event makes the promotion.
// A GitOps repository's `poll` setting replaces these.
const CHECK_POLL: PollSettings = { firstMs: 2000, maxMs: 60_000 };
export const pollDelay = (looks: number, poll: PollSettings = CHECK_POLL) => backoff(poll, looks - 1);

/** The promotion context on the source commit: which environment it is being promoted to. */
export const promotionContext = (to: string) => `dispatchd/promote/${to || 'root'}`;

/**
 * One look at a link: has the update of `from` landed on the base, does its gate pass, has the
 * soak passed? Then the same update is offered to `to` like a push (coalesced, held by a pause,
 * moving forward only). Otherwise the job comes back later as a delayed job, until the link's
 * timeout; every look records where the promotion stands.
 */
export async function runCheck(deps: PromotionDeps, job: Job<CheckJob>, token?: string): Promise<PromotionPhase> {
  const d = job.data;
  const link = chains(deps.config).find((c) => chainKey(c) === d.chain);
  if (!link) return 'failed';
  const latest = await deps.environments.latest<EnvUpdateSpec>(d.fromEnvId);
  if (!latest) return 'failed';
  const now = Date.now();
  const record = (phase: PromotionPhase, detail: string, extra: { source?: string; gitopsCommit?: string } = {}) =>
    deps.states.set({ chain: d.chain, fromEnvId: d.fromEnvId, phase, detail, at: Date.now(), ...extra });
  type At = { source?: string; gitopsCommit?: string };
  const later = async (phase: PromotionPhase, detail: string, at: At = {}, greenAt?: number) => {
    const timeoutMs = toMs(link.timeout);
    if (now - d.since > timeoutMs) {
      await record('timed-out', `gave up after ${link.timeout}: ${detail}`, at);
      return 'timed-out' as const;
    }
    await record(phase, detail, at);
    const looks = d.looks + 1;
    const seen = at.gitopsCommit
      ? { gitopsCommit: at.gitopsCommit, ...(greenAt !== undefined ? { greenAt } : {}) }
      : undefined;
    await job.updateData({ ...d, looks, ...(seen ? { seen } : {}) });
    const poll = pollFor(deps.config, link.repo, CHECK_POLL);
    // Asked for while this look ran (a webhook, a new update): what it reported may not have been
    // seen yet, so look again at once rather than at the next poll.
    const rerun = await deps.redis.getdel(rerunKey(job.id!));
    const delay = rerun ? 100 : Math.min(pollDelay(looks, poll), Math.max(1000, d.since + timeoutMs - now + 1));
    await job.moveToDelayed(Date.now() + delay, token);
    throw new DelayedError();
  };

  if (await deps.environments.pauses.get(link.repo, link.from))
    return later('held', `${link.from || '/'} is held; promotions out of it wait for resume`);
  const spec = latest.spec;
  const provider = deps.providers.for(spec.target.host);
  const base = spec.revision ?? (await provider.defaultBranch(spec.target.fullName));
  const mirror = await deps.mirrors.fetch(await provider.gitRemote(spec.target.fullName));
  const baseSha = await revParse(mirror, `refs/heads/${base}`);
  let [landed] = baseSha ? await landedFor(mirror, baseSha, d.fromEnvId, 20) : [];
  // The newest update written for `from` may still wait in its pull request.
  const newestApplied = await deps.applied.newest(d.fromEnvId);
  const newest = newestApplied?.spec.source.sha;
  if (baseSha && newestApplied && landed?.commit !== newest) {
    // Squashed or rebased without the trailers: the content on the base says it landed.
    const sha = await landedByContent(mirror, baseSha, newestApplied.gitopsCommit, link.from);
    if (sha) landed = { sha, commit: newestApplied.spec.source.sha };
  }
  const awaitMerge = (sha: string | undefined) =>
    later(
      'waiting-merge',
      `waiting for the ${link.from || '/'} update${sha ? ` ${sha.slice(0, 7)}` : ''} to be merged into ${base}`,
      sha ? { source: sha } : {},
    );
  if (!landed) return awaitMerge(newest);
  const at = { source: landed.commit, gitopsCommit: landed.sha };
  if ((await deps.states.promoted(d.chain, d.fromEnvId)) === landed.commit) {
    if (newest && newest !== landed.commit) return awaitMerge(newest);
    await record('promoted', `${landed.commit.slice(0, 7)} already promoted to ${link.to || '/'}`, at);
    return 'promoted';
  }

  let greenAt = d.seen?.gitopsCommit === landed.sha ? d.seen.greenAt : undefined;
  let gateSha = landed.sha;
  if (link.gate.status) {
    const candidates = await selfAndDescendants(mirror, landed.sha, baseSha!);
    const reading = await readStatusGate(provider, spec.target.fullName, candidates, link.gate.status);
    if (reading.kind === 'failed') {
      await record(
        'gate-failed',
        `${link.gate.status.context} is ${reading.state} on ${reading.sha.slice(0, 7)}${reading.description ? `: ${reading.description}` : ''}; nothing promoted`,
        at,
      );
      return 'gate-failed';
    }
    if (reading.kind === 'pending') return later('gate-pending', reading.why, at);
    gateSha = reading.sha;
  }
  if (link.gate.argocd) {
    const candidates = await selfAndDescendants(mirror, landed.sha, baseSha!);
    const reading = await readArgocdGate(link.gate.argocd, candidates);
    if (reading.kind === 'failed') {
      await record('gate-failed', `${reading.description} at ${reading.sha.slice(0, 7)}; nothing promoted`, at);
      return 'gate-failed';
    }
    if (reading.kind === 'pending') return later('gate-pending', reading.why, at);
    gateSha = reading.sha;
  }
  greenAt ??= now;
  const soakMs = toMs(link.gate.soak);
  if (now - greenAt < soakMs) {
    const until = new Date(greenAt + soakMs).toISOString();
    return later('soaking', `gate passed on ${gateSha.slice(0, 7)}; soaking until ${until}`, at, greenAt);
  }
  if (!(await promote(deps, link, d.fromEnvId, landed, gateSha))) return 'failed';
  await record(
    'promoted',
    `promoted ${landed.commit.slice(0, 7)} to ${link.to || '/'} (${describeGate(link)} on ${gateSha.slice(0, 7)})`,
    at,
  );
  return 'promoted';
}

async function promote(
  deps: PromotionDeps,
  link: Chain,
  fromEnvId: string,
  landed: { sha: string; commit: string },
  gateSha: string,
): Promise<boolean> {
  const applied = await deps.applied.get(fromEnvId, landed.commit);
  if (!applied) {
    const detail = `no record of what ${link.from || '/'} applied for ${landed.commit.slice(0, 7)} (dispatchd keeps the last 200 updates per environment): push it again to promote it`;
    await deps.states.set({
      chain: chainKey(link),
      fromEnvId,
      phase: 'failed',
      detail,
      at: Date.now(),
      source: landed.commit,
      gitopsCommit: landed.sha,
    });
    return false;
  }
  const seq = await deps.redis.incr(keys.receiptSeq());
  const { envId, spec } = promotedSpec(
    applied,
    link,
    {
      fromDir: link.from,
      gitopsCommit: landed.sha,
      ...(applied.prNumber && applied.prUrl ? { fromPr: { number: applied.prNumber, url: applied.prUrl } } : {}),
      gate: `${describeGate(link)} on ${gateSha.slice(0, 7)}`,
    },
    seq,
    Date.now(),
  );
  const src = spec.source;
  const context = promotionContext(link.to);
  await deps.setStatus(src.host, src.fullName, src.sha, {
    state: 'pending',
    context,
    description: `promoting to ${link.to || '/'} of ${spec.target.fullName}: gate passed`,
  });
  const { jobId } = await deps.environments.offer(envId, seq, spec, {
    host: src.host,
    repo: src.fullName,
    sha: src.sha,
    context,
    seq,
  });
  await deps.gitops.add('update', { envId }, { ...jobOptions, jobId });
  await deps.states.markPromoted(chainKey(link), fromEnvId, landed.commit);
  return true;
}
