import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError, TransientError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import type { ScmProvider } from './contracts.js';
import { SCM_KINDS } from './kinds.js';
import { createDefaultBranchCache } from './default-branch-cache.js';
import { createRetryAfterGate } from './retry-after-gate.js';
import { wrapCalls } from './wrap-calls.js';

/** One SCM API call as seen from outside the provider, for metrics. */
export interface ScmCall {
  host: string;
  operation: string;
  outcome: 'ok' | 'transient' | 'rate_limited' | 'permanent' | 'error';
  ms: number;
}

export interface ProviderOptions {
  /** Called once per API call; must not throw. */
  onCall?: (call: ScmCall) => void;
  /** Called with the rate-limit budget left, where the SCM reports it on every answer (GitHub). */
  onRateLimit?: (host: string, remaining: number) => void;
  /** How long a repository's default branch is kept before it is asked again (default 5 min; 0: never kept). */
  defaultBranchTtlMs?: number;
  now?: () => number;
}

/** The ScmProvider methods that talk to the SCM's API (gitRemote and commitUrl do not). */
const API_METHODS = ['readFile', 'refTip', 'compare', 'defaultBranch', 'setStatus', 'commitChecks'] as const;
/** The same for its pull-request part. */
const PULL_METHODS = [
  'findPullRequest',
  'createPullRequest',
  'updatePullRequest',
  'mergePullRequest',
  'comment',
  'getPullRequest',
  'requiredChecks',
  'writeAccess',
] as const;

/** One ScmProvider per configured host, built on first use and kept for the process. */
export function createProviders(config: DispatchdConfig, mirrors: Mirrors, opts: ProviderOptions = {}) {
  const built = new Map<string, ScmProvider>();
  const branches = createDefaultBranchCache(opts.defaultBranchTtlMs ?? 300_000, opts.now ?? Date.now);
  const waits = createRetryAfterGate(opts.now ?? Date.now);
  return {
    /**
     * Drops a remembered default branch: the caller found it gone (renamed), so the next
     * `defaultBranch` asks the SCM.
     */
    forgetDefaultBranch(hostName: string, repo: string): void {
      branches.forget(hostName, repo);
    },
    /** A repository's default branch if it is remembered (and fresh), without an API call. */
    knownDefaultBranch(hostName: string, repo: string): Promise<string> | undefined {
      return branches.peek(hostName, repo);
    },
    for(hostName: string): ScmProvider {
      const existing = built.get(hostName);
      if (existing) return existing;
      const host = config.hosts[hostName];
      if (!host) throw new PermanentError('unknown_host', `host "${hostName}" is not configured`);
      let p = SCM_KINDS[host.kind].provider({
        hostName,
        host,
        mirrors,
        ...(opts.onRateLimit ? { onRateLimit: (n: number) => opts.onRateLimit?.(hostName, n) } : {}),
      });
      if (opts.onCall) p = counted(hostName, p, opts.onCall);
      // Outside the count: a call the gate refuses never reached the SCM.
      p = waits.gate(hostName, p, API_METHODS, PULL_METHODS);
      p = branches.wrap(hostName, p);
      built.set(hostName, p);
      return p;
    },
  };
}
export type Providers = ReturnType<typeof createProviders>;

/** Wraps each API method to report its host, name, outcome and time; results pass unchanged. */
function counted(host: string, p: ScmProvider, onCall: (c: ScmCall) => void): ScmProvider {
  return wrapCalls(p, API_METHODS, PULL_METHODS, async (name, call) => {
    const started = Date.now();
    const report = (outcome: ScmCall['outcome']) => {
      try {
        onCall({ host, operation: name, outcome, ms: Date.now() - started });
      } catch {
        /* metrics never break a call */
      }
    };
    try {
      const result = await call();
      report('ok');
      return result;
    } catch (err) {
      report(
        err instanceof TransientError
          ? err.code === 'scm_rate_limited'
            ? 'rate_limited'
            : 'transient'
          : err instanceof PermanentError
            ? 'permanent'
            : 'error',
      );
      throw err;
    }
  });
}
