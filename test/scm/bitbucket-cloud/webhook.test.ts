import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WebhookError } from '../../../src/core/errors.js';
import { ZERO_SHA, type ParsedWebhook, type PushEvent } from '../../../src/core/push-event.js';
import { bitbucketCloudWebhookParser } from '../../../src/scm/bitbucket-cloud/webhook.js';
import type { WebhookContext } from '../../../src/scm/contracts.js';
import { hmacSha256Hex } from '../../../src/scm/signature.js';
import { signedRequest } from '../../helpers/sign.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/webhooks/bitbucket-cloud/${name}`, import.meta.url), 'utf8');
const push = fixture('goscm-push.json');
const ctx: WebhookContext = {
  hostName: 'bb',
  hostUrl: 'https://bitbucket.org',
  secrets: ['first-secret', 'second-secret'],
  now: 1_700_000_000_000,
};
const parser = bitbucketCloudWebhookParser();

function rejects(fn: () => unknown, status: number, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WebhookError, `expected WebhookError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.match(err.message, pattern);
    return true;
  });
}

function events(parsed: ParsedWebhook): PushEvent[] {
  assert.equal(parsed.kind, 'push');
  return parsed.events;
}

test('a missing, malformed or wrong X-Hub-Signature is refused with 401', () => {
  const req = signedRequest('bitbucket-cloud', push, 'first-secret');
  rejects(
    () => parser.verify({ ...req, headers: { ...req.headers, 'x-hub-signature': undefined } }, ctx),
    401,
    /missing X-Hub-Signature/,
  );
  rejects(
    () => parser.verify({ ...req, headers: { ...req.headers, 'x-hub-signature': 'sha1=abc' } }, ctx),
    401,
    /must be "sha256=/,
  );
  rejects(() => parser.verify(signedRequest('bitbucket-cloud', push, 'guessed'), ctx), 401, /does not match the body/);
  // Signed correctly, then the body changed on the way.
  rejects(
    () => parser.verify({ ...req, rawBody: Buffer.from(push.replace('master', 'main')) }, ctx),
    401,
    /does not match the body/,
  );
});

test('during rotation both secrets are accepted', () => {
  parser.verify(signedRequest('bitbucket-cloud', push, 'first-secret'), ctx);
  parser.verify(signedRequest('bitbucket-cloud', push, 'second-secret'), ctx);
  const upper = signedRequest('bitbucket-cloud', push, 'second-secret');
  parser.verify(
    {
      ...upper,
      headers: {
        ...upper.headers,
        'x-hub-signature': `sha256=${hmacSha256Hex('second-secret', upper.rawBody).toUpperCase()}`,
      },
    },
    ctx,
  );
});

test('a host with no webhookSecret refuses every request', () => {
  rejects(
    () => parser.verify(signedRequest('bitbucket-cloud', push, 'x'), { ...ctx, secrets: [] }),
    401,
    /no webhookSecret/,
  );
});

test('delivery id is X-Request-UUID, and its absence is a 400', () => {
  const req = signedRequest('bitbucket-cloud', push, 'first-secret', { deliveryId: 'c0ffee' });
  assert.equal(parser.deliveryId(req), 'c0ffee');
  rejects(
    () => parser.deliveryId({ ...req, headers: { ...req.headers, 'x-request-uuid': undefined } }),
    400,
    /no X-Request-UUID/,
  );
});

test('one delivery with several changes gives one event per ref, ids <id>, <id>#1, <id>#2', () => {
  const body = JSON.parse(push) as { push: { changes: unknown[] } };
  const tagCreate = JSON.parse(fixture('goscm-push_tag_create.json')) as { push: { changes: unknown[] } };
  const branchDelete = JSON.parse(fixture('goscm-push_branch_delete.json')) as { push: { changes: unknown[] } };
  body.push.changes.push(...tagCreate.push.changes, ...branchDelete.push.changes);
  const req = signedRequest('bitbucket-cloud', JSON.stringify(body), 'first-secret', { deliveryId: 'multi' });
  const got = events(parser.parse(req, ctx));
  assert.deepEqual(
    got.map((e) => [e.deliveryId, e.ref, e.created, e.deleted]),
    [
      ['multi', 'refs/heads/master', false, false],
      ['multi#1', 'refs/tags/feature/x', true, false],
      ['multi#2', 'refs/heads/develop', false, true],
    ],
  );
  assert.equal(got[2]!.after, ZERO_SHA);
});

test('a truncated commit list and a forced push are reported', () => {
  const body = JSON.parse(push) as { push: { changes: Array<Record<string, unknown>> } };
  body.push.changes[0]!.truncated = true;
  body.push.changes[0]!.forced = true;
  const [event] = events(parser.parse(signedRequest('bitbucket-cloud', JSON.stringify(body), 'first-secret'), ctx));
  assert.equal(event!.commitsTruncated, true);
  assert.equal(event!.forced, true);
});

test('clone and web URLs are built from the configured host, which the payload does not give', () => {
  const [event] = events(
    parser.parse(signedRequest('bitbucket-cloud', push, 'first-secret'), { ...ctx, hostUrl: 'https://bb.internal' }),
  );
  assert.deepEqual(event!.repo, {
    fullName: 'brydzewski/foo',
    cloneUrl: 'https://bb.internal/brydzewski/foo.git',
    webUrl: 'https://bb.internal/brydzewski/foo',
  });
});

test('events other than pushes, pull requests and commit statuses are ignored with the reason', () => {
  const parsed = parser.parse(signedRequest('bitbucket-cloud', '{}', 'first-secret', { event: 'repo:fork' }), ctx);
  assert.deepEqual(parsed, {
    kind: 'ignored',
    reason:
      'Bitbucket Cloud event "repo:fork" is not acted on: dispatchd acts on repo:push, pullrequest:created/updated/fulfilled/rejected and repo:commit_status_created/updated',
  });
});

test('malformed JSON and missing fields are 400s that say what is wrong', () => {
  rejects(() => parser.parse(signedRequest('bitbucket-cloud', '{"push":', 'first-secret'), ctx), 400, /not valid JSON/);
  const body = JSON.parse(push) as { repository: Record<string, unknown> };
  delete body.repository.full_name;
  rejects(
    () => parser.parse(signedRequest('bitbucket-cloud', JSON.stringify(body), 'first-secret'), ctx),
    400,
    /repository\.full_name/,
  );
});
