import { bitbucketCloudWebhookParser } from '../../../src/scm/bitbucket-cloud/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';

goldenTable({
  scm: 'bitbucket-cloud',
  label: 'Bitbucket Cloud',
  parser: bitbucketCloudWebhookParser,
  ctx: { hostName: 'bitbucket-org', hostUrl: 'https://bitbucket.org', now: 1_700_000_000_000 },
  secret: 'bbc-golden-secret',
  idPrefix: 'bbc',
  // The body does not say which event it is; the fixture's name does (SOURCES.md).
  event: (_raw, file) =>
    ({
      'goscm-pr_created.json': 'pullrequest:created',
      'goscm-pr_updated.json': 'pullrequest:updated',
      'goscm-pr_fulfilled.json': 'pullrequest:fulfilled',
      'goscm-pr_declined.json': 'pullrequest:rejected',
      'gpw-repo-commit-status-created.json': 'repo:commit_status_created',
      'gpw-repo-commit-status-updated.json': 'repo:commit_status_updated',
    })[file] ?? 'repo:push',
});
