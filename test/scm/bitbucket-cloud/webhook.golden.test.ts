import { bitbucketCloudWebhookParser } from '../../../src/scm/bitbucket-cloud/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';

goldenTable({
  scm: 'bitbucket-cloud',
  label: 'Bitbucket Cloud',
  parser: bitbucketCloudWebhookParser,
  ctx: { hostName: 'bitbucket-org', hostUrl: 'https://bitbucket.org', now: 1_700_000_000_000 },
  secret: 'bbc-golden-secret',
  idPrefix: 'bbc',
});
