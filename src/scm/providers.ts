import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError, TransientError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import { bitbucketCloudProvider } from './bitbucket-cloud/provider.js';
import { bitbucketServerProvider } from './bitbucket-server/provider.js';
import type { ScmProvider } from './contracts.js';
import { githubProvider } from './github/provider.js';
import { gitlabProvider } from './gitlab/provider.js';
import { gitProvider } from './git/provider.js';

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
}

/** The ScmProvider methods that talk to the SCM's API (gitRemote and commitUrl do not). */
const API_METHODS = [
  'readFile',
  'refTip',
  'compare',
  'defaultBranch',
  'findPullRequest',
  'createPullRequest',
  'updatePullRequest',
  'mergePullRequest',
  'comment',
  'setStatus',
  'commitChecks',
  'getPullRequest',
] as const;

/** One ScmProvider per configured host, built on first use and kept for the process. */
export function createProviders(config: DispatchdConfig, mirrors: Mirrors, opts: ProviderOptions = {}) {
  const built = new Map<string, ScmProvider>();
  return {
    for(hostName: string): ScmProvider {
      const existing = built.get(hostName);
      if (existing) return existing;
      const host = config.hosts[hostName];
      if (!host) throw new PermanentError('unknown_host', `host "${hostName}" is not configured`);
      let p: ScmProvider;
      switch (host.kind) {
        case 'github':
          p = githubProvider(
            hostName,
            host,
            opts.onRateLimit ? { onRateLimit: (n) => opts.onRateLimit?.(hostName, n) } : {},
          );
          break;
        case 'git':
          p = gitProvider(host, mirrors);
          break;
        case 'bitbucket-cloud':
          p = bitbucketCloudProvider(hostName, host);
          break;
        case 'bitbucket-server':
          p = bitbucketServerProvider(hostName, host);
          break;
        case 'gitlab':
          p = gitlabProvider(hostName, host);
          break;
        default:
          throw new PermanentError('kind_unsupported', `host kind ${host.kind} has no provider in this build yet`);
      }
      if (opts.onCall) p = counted(hostName, p, opts.onCall);
      built.set(hostName, p);
      return p;
    },
  };
}
export type Providers = ReturnType<typeof createProviders>;

/** Wraps each API method to report its host, name, outcome and time; results pass unchanged. */
function counted(host: string, p: ScmProvider, onCall: (c: ScmCall) => void): ScmProvider {
  const wrapped: ScmProvider = Object.create(p) as ScmProvider;
  for (const name of API_METHODS) {
    const original = p[name] as (...a: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const started = Date.now();
      const report = (outcome: ScmCall['outcome']) => {
        try {
          onCall({ host, operation: name, outcome, ms: Date.now() - started });
        } catch {
          /* metrics never break a call */
        }
      };
      try {
        const result = await original.apply(p, args);
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
    };
  }
  return wrapped;
}
