import { bitbucketServerWebhookParser } from '../../../src/scm/bitbucket-server/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';

goldenTable({
  scm: 'bitbucket-server',
  label: 'Bitbucket Server',
  parser: bitbucketServerWebhookParser,
  ctx: { hostName: 'bitbucket-dc', hostUrl: 'https://bitbucket.example.com', now: 1_700_000_000_000 },
  secret: 'bbs-golden-secret',
  idPrefix: 'bbs',
  // Bitbucket Server repeats the event key in the body.
  event: (raw) => (JSON.parse(raw.toString('utf8')) as { eventKey?: string }).eventKey ?? 'repo:refs_changed',
});
