import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gitlabWebhookParser } from '../../../src/scm/gitlab/webhook.js';
import type { WebhookContext } from '../../../src/scm/contracts.js';
import { signedRequest } from '../../helpers/sign.js';

// Every captured GitLab body, signed as GitLab would send it, against its reviewed golden output.
const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/webhooks/gitlab/', import.meta.url));
const goldens = fileURLToPath(new URL('../../fixtures/golden/gitlab/', import.meta.url));
const secret = 'gitlab-golden-secret';
const ctx: WebhookContext = { hostName: 'gitlab-main', hostUrl: 'https://gitlab.example.com', secrets: ['old-secret', secret], now: 1_700_000_000_000 };
const files = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort();

/** The X-Gitlab-Event header GitLab sends with such a body. */
function eventHeader(body: { object_kind?: string }): string {
  if (!body.object_kind) return 'System Hook';
  return body.object_kind === 'tag_push' ? 'Tag Push Hook' : 'Push Hook';
}

test('every GitLab fixture has a golden file', () => {
  assert.ok(files.length > 0, `no fixtures found in ${fixtures}`);
  if (process.env.UPDATE_GOLDEN) return;
  const expected = files.map((f) => f.replace(/\.json$/, '.golden.json')).sort();
  assert.deepEqual(readdirSync(goldens).sort(), expected);
});

for (const file of files) {
  test(`GitLab golden: ${file}`, () => {
    const raw = readFileSync(fixtures + file);
    const event = eventHeader(JSON.parse(raw.toString('utf8')) as { object_kind?: string });
    const req = signedRequest('gitlab', raw, secret, { event, deliveryId: `gl-${file}` });
    const parser = gitlabWebhookParser();
    parser.verify(req, ctx);
    assert.equal(parser.deliveryId(req), `gl-${file}`);
    const actual = JSON.parse(JSON.stringify(parser.parse(req, ctx))) as unknown;
    const golden = goldens + file.replace(/\.json$/, '.golden.json');
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(goldens, { recursive: true });
      writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
    }
    assert.ok(existsSync(golden), `missing ${golden}: run with UPDATE_GOLDEN=1 and review it`);
    assert.deepEqual(actual, JSON.parse(readFileSync(golden, 'utf8')));
  });
}
