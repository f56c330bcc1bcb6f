import type { Redis } from 'ioredis';
import type { CommitState, CommitStatus } from '../core/commit-status.js';
import type { GitopsEvent } from '../core/gitops-events.js';
import { QUEUE_PREFIX } from '../queue/names.js';

/** One check on an open GitOps pull request's head, as last reported. */
export interface PrCheck {
  context: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
  /** When dispatchd learnt this state (webhook received, or read by a merge job). */
  at: number;
}

/** An open pull request dispatchd opened in a GitOps repository, and the checks on its head. */
export interface OpenPr {
  number: number;
  headSha: string;
  checks: PrCheck[];
  at: number;
}

// The receiver holds no SCM token, so the environments view can only show what the workers
// recorded. Bounded: a PR keeps this many contexts, a repository this many open PRs (the
// oldest go first); a repository untouched for the TTL is forgotten (a PR closed while no
// webhook reached us must not stay "open" for ever).
const MAX_CONTEXTS = 50;
const MAX_PRS = 200;
// GitHub keeps 140 characters of a description; other SCMs are not bound so tightly.
const MAX_TEXT = 300;
const TTL_S = 14 * 24 * 3600;
const key = (repo: string) => `${QUEUE_PREFIX}:open-prs:${repo}`;

// Heads compare by prefix: Bitbucket Cloud sends 12 characters where others send 40.
const SAME = `local function same(a, b) return #a > 0 and #b > 0 and (a:sub(1, #b) == b or b:sub(1, #a) == a) end`;

// ARGV: number, headSha, at, maxPrs, ttl, onlyIfAbsent. A new head starts with no checks; the
// same head keeps what it has (and the longer spelling of its sha).
const TRACK = `${SAME}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw and ARGV[6] == '1' then return 0 end
local pr = raw and cjson.decode(raw) or nil
if not pr or not same(pr.headSha, ARGV[2]) then
  pr = { number = tonumber(ARGV[1]), headSha = ARGV[2], checks = {} }
elseif #ARGV[2] > #pr.headSha then pr.headSha = ARGV[2] end
pr.at = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(pr))
local all = redis.call('HGETALL', KEYS[1])
local n = #all / 2
while n > tonumber(ARGV[4]) do
  local oldest, when = nil, nil
  for i = 1, #all, 2 do
    local p = cjson.decode(all[i + 1])
    if redis.call('HEXISTS', KEYS[1], all[i]) == 1 and (when == nil or p.at < when) then oldest, when = all[i], p.at end
  end
  redis.call('HDEL', KEYS[1], oldest)
  n = n - 1
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1`;

// ARGV: sha, check JSON, maxContexts, ttl. Sets the check on every tracked PR whose head is
// `sha`, unless a newer state of that context is already there (jobs run concurrently).
const STATUS = `${SAME}
local check = cjson.decode(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local hit = 0
for i = 1, #all, 2 do
  local pr = cjson.decode(all[i + 1])
  if same(pr.headSha, ARGV[1]) then
    pr.checks = pr.checks or {}
    local have = pr.checks[check.context]
    if not have or have.at <= check.at then
      pr.checks[check.context] = check
      local count, oldest, when = 0, nil, nil
      for c, v in pairs(pr.checks) do
        count = count + 1
        if when == nil or v.at < when then oldest, when = c, v.at end
      end
      if count > tonumber(ARGV[3]) then pr.checks[oldest] = nil end
      redis.call('HSET', KEYS[1], all[i], cjson.encode(pr))
      hit = hit + 1
    end
  end
end
if hit > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return hit`;

/** `repo` is `<host>:<owner/name>`, as the gitops grants name it. */
export function createPrChecks(redis: Redis, now: () => number = Date.now) {
  const store = {
    /**
     * PR `number`'s head is now `headSha`: dispatchd wrote it, or a merge job read it as the tip.
     * `onlyIfAbsent` for webhooks, which arrive in no promised order: a late `synchronize` of an
     * older head must not replace the head dispatchd recorded.
     */
    async track(repo: string, number: number, headSha: string, onlyIfAbsent = false): Promise<void> {
      await redis.eval(TRACK, 1, key(repo), String(number), headSha, now(), MAX_PRS, TTL_S, onlyIfAbsent ? '1' : '0');
    },
    /** A status or check reported on `sha`; recorded only when it is a tracked PR's head. */
    async check(repo: string, sha: string, status: CommitStatus, at = now()): Promise<boolean> {
      const c: PrCheck = {
        context: status.context,
        state: status.state,
        description: status.description.slice(0, MAX_TEXT),
        ...(status.targetUrl ? { targetUrl: status.targetUrl.slice(0, 2 * MAX_TEXT) } : {}),
        at,
      };
      return Number(await redis.eval(STATUS, 1, key(repo), sha, JSON.stringify(c), MAX_CONTEXTS, TTL_S)) > 0;
    },
    /** The PR was merged or closed: it has no open PR's checks any more. */
    async forget(repo: string, number: number): Promise<void> {
      await redis.hdel(key(repo), String(number));
    },
    async get(repo: string, number: number): Promise<OpenPr | null> {
      const raw = await redis.hget(key(repo), String(number));
      if (!raw) return null;
      const p = JSON.parse(raw) as {
        number: number;
        headSha: string;
        checks: Record<string, PrCheck> | [];
        at: number;
      };
      // Lua has one empty table for [] and {}; cjson may write either.
      const checks = Array.isArray(p.checks) ? [] : Object.values(p.checks);
      return { ...p, checks: checks.sort((a, b) => a.context.localeCompare(b.context)) };
    },
    /** What a GitOps event says about dispatchd's open PRs (wired where the workers learn them). */
    async onGitopsEvent(e: GitopsEvent): Promise<void> {
      const repo = `${e.host}:${e.repo}`;
      if (e.type === 'status') await store.check(repo, e.sha, e.status);
      else if (e.action === 'merged' || e.action === 'closed') await store.forget(repo, e.number);
      else if (e.headSha) await store.track(repo, e.number, e.headSha, true);
    },
  };
  return store;
}
export type PrChecks = ReturnType<typeof createPrChecks>;
