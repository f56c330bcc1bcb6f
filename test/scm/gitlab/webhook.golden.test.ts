import { gitlabWebhookParser } from '../../../src/scm/gitlab/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';

goldenTable({
  scm: 'gitlab',
  label: 'GitLab',
  parser: gitlabWebhookParser,
  ctx: { hostName: 'gitlab-main', hostUrl: 'https://gitlab.example.com', now: 1_700_000_000_000 },
  secret: 'gitlab-golden-secret',
  idPrefix: 'gl',
  // The X-Gitlab-Event header GitLab sends with such a body.
  event: (raw) => {
    const body = JSON.parse(raw.toString('utf8')) as { object_kind?: string };
    if (!body.object_kind) return 'System Hook';
    if (body.object_kind === 'merge_request') return 'Merge Request Hook';
    if (body.object_kind === 'build') return 'Job Hook';
    if (body.object_kind === 'pipeline') return 'Pipeline Hook';
    if (body.object_kind === 'note') return 'Note Hook';
    return body.object_kind === 'tag_push' ? 'Tag Push Hook' : 'Push Hook';
  },
});
