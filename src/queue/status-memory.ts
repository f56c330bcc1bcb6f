import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './names.js';

/** What a commit status said, as remembered: the plan stamp it reports on and its fingerprint. */
export interface StatusSaid {
  /** The receipt/plan stamp of the work it reports on (orders a late pending against a final). */
  seq: number;
  state: string;
  description: string;
  targetUrl?: string;
}

const keyOf = (host: string, repo: string, sha: string, context: string) =>
  `${QUEUE_PREFIX}:status:${createHash('sha256').update(`${host}\n${repo}\n${sha}\n${context}`).digest('hex').slice(0, 32)}`;

const plannedKey = (seq: number) => `${QUEUE_PREFIX}:status-planned:${seq}`;

const print = (s: StatusSaid) => `${s.state}\n${s.description}\n${s.targetUrl ?? ''}`;

// Claims the right to post: 0 when the same thing was said (skip), 1 when a final state was said
// for this or newer work and this is a pending one (a late pending must not undo it: skip),
// otherwise records it and returns 2 (post).
// KEYS: status key; ARGV: seq, fingerprint, ttl, pending (1/0).
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then
  local seq, state, rest = string.match(v, '^(%d+)\\n([^\\n]*)\\n(.*)$')
  if state and (state .. '\\n' .. rest) == ARGV[2] then return 0 end
  if state and ARGV[4] == '1' and state ~= 'pending' and tonumber(seq) >= tonumber(ARGV[1]) then return 1 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. ARGV[2], 'PX', ARGV[3])
return 2
`;

// Forgets a claim whose post failed, if nothing newer replaced it.
const FORGET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * What dispatchd last said on each commit status (host, repo, commit, context), shared by every
 * worker: a status that says the same thing again is not re-posted (GitLab even refuses a
 * pending → pending transition), and a pending status arriving after the final one for the same
 * or newer work is dropped. Losing it (Redis flushed) costs only calls.
 */
export function createStatusMemory(redis: Redis, ttlMs: number) {
  return {
    /** true: post it (it is now remembered); false: skip, it would say nothing new. */
    async claim(host: string, repo: string, sha: string, context: string, said: StatusSaid): Promise<boolean> {
      const r = await redis.eval(
        CLAIM,
        1,
        keyOf(host, repo, sha, context),
        said.seq,
        print(said),
        ttlMs,
        said.state === 'pending' ? 1 : 0,
      );
      return Number(r) === 2;
    },
    /** The plan of `seq` has posted its statuses (its pending ones included). */
    async planned(seq: number): Promise<void> {
      await redis.set(plannedKey(seq), '1', 'PX', ttlMs);
    },
    /**
     * Waits (at most `timeoutMs`) until the plans of `seqs` have posted their statuses, so that a
     * status the GitOps worker posts for them comes after the plan's pending one, never before it
     * (the push worker queues the GitOps job first). Past the bound (a plan still retrying its
     * statuses, or one that died) it returns anyway: statuses are reports.
     */
    async waitPlanned(seqs: number[], timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (let left = [...new Set(seqs)]; left.length > 0;) {
        const seen = await redis.mget(...left.map(plannedKey));
        left = left.filter((_, i) => !seen[i]);
        if (left.length === 0 || Date.now() >= deadline) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** The post failed: forget the claim so that the same status is posted next time. */
    async forget(host: string, repo: string, sha: string, context: string, said: StatusSaid): Promise<void> {
      await redis.eval(FORGET, 1, keyOf(host, repo, sha, context), `${said.seq}\n${print(said)}`);
    },
  };
}
export type StatusMemory = ReturnType<typeof createStatusMemory>;
