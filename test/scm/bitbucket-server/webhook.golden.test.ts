import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bitbucketServerWebhookParser } from '../../../src/scm/bitbucket-server/webhook.js';
import type { WebhookContext } from '../../../src/scm/contracts.js';
import { signedRequest } from '../../helpers/sign.js';

// Every captured Bitbucket Server body, signed as Bitbucket Server would send it, against its reviewed golden output.
const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/webhooks/bitbucket-server/', import.meta.url));
const goldens = fileURLToPath(new URL('../../fixtures/golden/bitbucket-server/', import.meta.url));
const secret = 'bbs-golden-secret';
const ctx: WebhookContext = { hostName: 'bitbucket-dc', hostUrl: 'https://bitbucket.example.com', secrets: ['old-secret', secret], now: 1_700_000_000_000 };
const files = readdirSync(fixtures).filter((f) => f.endsWith('.json')).sort();

test('every Bitbucket Server fixture has a golden file', () => {
  assert.ok(files.length > 0, `no fixtures found in ${fixtures}`);
  if (process.env.UPDATE_GOLDEN) return;
  const expected = files.map((f) => f.replace(/\.json$/, '.golden.json')).sort();
  assert.deepEqual(readdirSync(goldens).sort(), expected);
});

for (const file of files) {
  test(`Bitbucket Server golden: ${file}`, () => {
    const raw = readFileSync(fixtures + file);
    const req = signedRequest('bitbucket-server', raw, secret, { deliveryId: `bbs-${file}` });
    const parser = bitbucketServerWebhookParser();
    parser.verify(req, ctx);
    assert.equal(parser.deliveryId(req), `bbs-${file}`);
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
