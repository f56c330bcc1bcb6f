import type { DispatchdConfig } from '../config/schema.js';
import { PermanentError } from '../core/errors.js';
import type { Mirrors } from '../git/mirrors.js';
import { bitbucketCloudProvider } from './bitbucket-cloud/provider.js';
import { bitbucketServerProvider } from './bitbucket-server/provider.js';
import type { ScmProvider } from './contracts.js';
import { githubProvider } from './github/provider.js';
import { gitlabProvider } from './gitlab/provider.js';
import { gitProvider } from './git/provider.js';

/** One ScmProvider per configured host, built on first use and kept for the process. */
export function createProviders(config: DispatchdConfig, mirrors: Mirrors) {
  const built = new Map<string, ScmProvider>();
  return {
    for(hostName: string): ScmProvider {
      const existing = built.get(hostName);
      if (existing) return existing;
      const host = config.hosts[hostName];
      if (!host) throw new PermanentError('unknown_host', `host "${hostName}" is not configured`);
      let p: ScmProvider;
      switch (host.kind) {
        case 'github': p = githubProvider(hostName, host); break;
        case 'git': p = gitProvider(host, mirrors); break;
        case 'bitbucket-cloud': p = bitbucketCloudProvider(hostName, host); break;
        case 'bitbucket-server': p = bitbucketServerProvider(hostName, host); break;
        case 'gitlab': p = gitlabProvider(hostName, host); break;
        default: throw new PermanentError('kind_unsupported', `host kind ${host.kind} has no provider in this build yet`);
      }
      built.set(hostName, p);
      return p;
    },
  };
}
export type Providers = ReturnType<typeof createProviders>;
