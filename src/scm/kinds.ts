import type { HostConfig } from '../config/schema.js';
import type { ScmKind } from '../core/push-event.js';
import type { Mirrors } from '../git/mirrors.js';
import { bitbucketCloudProvider } from './bitbucket-cloud/provider.js';
import { bitbucketCloudWebhookParser } from './bitbucket-cloud/webhook.js';
import { bitbucketServerProvider } from './bitbucket-server/provider.js';
import { bitbucketServerRepoName } from './bitbucket-server/repo-name.js';
import { bitbucketServerWebhookParser } from './bitbucket-server/webhook.js';
import type { ScmProvider, WebhookParser } from './contracts.js';
import { githubProvider } from './github/provider.js';
import { githubWebhookParser } from './github/webhook.js';
import { gitlabProvider } from './gitlab/provider.js';
import { gitlabWebhookParser } from './gitlab/webhook.js';
import { plainGitProvider } from './plain-git/provider.js';
import { plainGitWebhookParser } from './plain-git/webhook.js';

/** What building any provider may need; each SCM takes what it uses. */
export interface ProviderContext {
  /** The host's name in the config (`/hooks/<name>`), for messages. */
  hostName: string;
  host: HostConfig;
  /** Plain git reads files and compares in local mirrors. */
  mirrors: Mirrors;
  /** The rate-limit budget left, where the SCM reports it on every answer (GitHub). */
  onRateLimit?: (remaining: number) => void;
}

/** Everything dispatchd knows about one SCM kind. */
export interface ScmKindSupport {
  parser: () => WebhookParser;
  provider: (ctx: ProviderContext) => ScmProvider;
  /** The SCM's full name of a repository from its URL's path after the host's `url`. */
  repoName: (path: string) => string;
}

const withoutDotGit = (path: string) => path.replace(/\.git$/, '');

/**
 * One entry per SCM kind. The Record type makes the compiler name what a new kind lacks: adding
 * an SCM is adding an entry here (and its folder under src/scm).
 */
export const SCM_KINDS: Record<ScmKind, ScmKindSupport> = {
  github: {
    parser: githubWebhookParser,
    provider: (c) => githubProvider(c.hostName, c.host, c.onRateLimit ? { onRateLimit: c.onRateLimit } : {}),
    repoName: withoutDotGit,
  },
  gitlab: {
    parser: gitlabWebhookParser,
    provider: (c) => gitlabProvider(c.hostName, c.host),
    repoName: withoutDotGit,
  },
  'bitbucket-cloud': {
    parser: bitbucketCloudWebhookParser,
    provider: (c) => bitbucketCloudProvider(c.hostName, c.host),
    repoName: withoutDotGit,
  },
  'bitbucket-server': {
    parser: bitbucketServerWebhookParser,
    provider: (c) => bitbucketServerProvider(c.hostName, c.host),
    repoName: bitbucketServerRepoName,
  },
  // A plain git remote is named by its path as is: `.git` is part of the name.
  git: {
    parser: plainGitWebhookParser,
    provider: (c) => plainGitProvider(c.host, c.mirrors),
    repoName: (path) => path,
  },
};
