import { githubWebhookParser } from '../../../src/scm/github/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';

goldenTable({
  scm: 'github',
  label: 'GitHub',
  parser: githubWebhookParser,
  ctx: { hostName: 'github-com', hostUrl: 'https://github.com', now: 1_700_000_000_000 },
  secret: 'github-golden-secret',
  idPrefix: 'gh',
  // The X-GitHub-Event header GitHub sends with such a body: each event has its own shape.
  event: (raw) => {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if ('zen' in body) return 'ping';
    if ('comment' in body && 'issue' in body) return 'issue_comment';
    if ('pull_request' in body) return 'pull_request';
    if ('check_run' in body) return 'check_run';
    if ('context' in body && 'state' in body) return 'status';
    if ('ref_type' in body) return 'create';
    return 'push';
  },
});
