import type { ScmKind } from '../core/push-event.js';
import type { WebhookParser } from './contracts.js';
import { bitbucketCloudWebhookParser } from './bitbucket-cloud/webhook.js';
import { bitbucketServerWebhookParser } from './bitbucket-server/webhook.js';
import { githubWebhookParser } from './github/webhook.js';
import { plainGitWebhookParser } from './plain-git/webhook.js';
import { gitlabWebhookParser } from './gitlab/webhook.js';

/** One parser per SCM kind; the Record type makes TypeScript check the registry is exhaustive. */
export type WebhookParsers = Record<ScmKind, WebhookParser>;

export function createWebhookParsers(): WebhookParsers {
  return {
    github: githubWebhookParser(),
    gitlab: gitlabWebhookParser(),
    'bitbucket-cloud': bitbucketCloudWebhookParser(),
    'bitbucket-server': bitbucketServerWebhookParser(),
    git: plainGitWebhookParser(),
  };
}
