import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WebhookError } from '../../../src/core/errors.js';
import { ZERO_SHA, type ParsedWebhook, type PushEvent } from '../../../src/core/push-event.js';
import type { WebhookContext, WebhookRequest } from '../../../src/scm/contracts.js';
import { gitlabWebhookParser } from '../../../src/scm/gitlab/webhook.js';
import { signedRequest } from '../../helpers/sign.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/webhooks/gitlab/${name}`, import.meta.url), 'utf8');
const push = fixture('goscm-push.json');
const now = 1_700_000_000_000;
const ctx: WebhookContext = {
  hostName: 'gl',
  hostUrl: 'https://gitlab.example.com',
  secrets: ['first-secret', 'second-secret'],
  now,
};
const parser = gitlabWebhookParser();

function rejects(fn: () => unknown, status: number, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WebhookError, `expected WebhookError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.match(err.message, pattern);
    return true;
  });
}

function only(parsed: ParsedWebhook): PushEvent {
  assert.equal(parsed.kind, 'push');
  assert.equal(parsed.events.length, 1);
  return parsed.events[0]!;
}

/** The push fixture with some fields replaced, signed and parsed. */
function parseEdited(edit: (body: Record<string, unknown>) => void, event = 'Push Hook'): ParsedWebhook {
  const body = JSON.parse(push) as Record<string, unknown>;
  edit(body);
  const req = signedRequest('gitlab', JSON.stringify(body), 'first-secret', { event, deliveryId: 'd1' });
  parser.verify(req, ctx);
  return parser.parse(req, ctx);
}

test('a request without X-Gitlab-Token or a signature is refused with 401', () => {
  const req = signedRequest('gitlab', push, 'first-secret');
  delete req.headers['x-gitlab-token'];
  rejects(() => parser.verify(req, ctx), 401, /missing X-Gitlab-Token/);
});

test('a wrong X-Gitlab-Token is refused with 401', () => {
  rejects(() => parser.verify(signedRequest('gitlab', push, 'guessed'), ctx), 401, /X-Gitlab-Token does not match/);
  rejects(() => parser.verify(signedRequest('gitlab', push, 'first-secret-and-more'), ctx), 401, /does not match/);
});

test('during rotation both the old and the new secret are accepted', () => {
  parser.verify(signedRequest('gitlab', push, 'first-secret'), ctx);
  parser.verify(signedRequest('gitlab', push, 'second-secret'), ctx);
});

test('a host with no webhookSecret refuses every request', () => {
  rejects(() => parser.verify(signedRequest('gitlab', push, ''), { ...ctx, secrets: [] }), 401, /no webhookSecret/);
});

test('a Standard Webhooks signature is checked when present, with or without the token', () => {
  const ts = now / 1000;
  parser.verify(signedRequest('gitlab', push, 'second-secret', { standardWebhooks: true, timestampSeconds: ts }), ctx);
  const signedOnly = signedRequest('gitlab', push, 'second-secret', { standardWebhooks: true, timestampSeconds: ts });
  delete signedOnly.headers['x-gitlab-token'];
  parser.verify(signedOnly, ctx);
  // Right token, but the body was changed after signing.
  const tampered = signedRequest('gitlab', push, 'first-secret', { standardWebhooks: true, timestampSeconds: ts });
  rejects(
    () => parser.verify({ ...tampered, rawBody: Buffer.from(push.replace('master', 'main')) }, ctx),
    401,
    /webhook-signature does not match/,
  );
});

test('a stale Standard Webhooks timestamp is refused even with the right token', () => {
  const req = signedRequest('gitlab', push, 'first-secret', {
    standardWebhooks: true,
    timestampSeconds: now / 1000 - 600,
  });
  rejects(() => parser.verify(req, ctx), 401, /more than 5 minutes/);
});

test('delivery id is Idempotency-Key, else X-Gitlab-Event-UUID, else 400', () => {
  const req = signedRequest('gitlab', push, 'first-secret', { deliveryId: 'uuid-1' });
  assert.equal(parser.deliveryId({ ...req, headers: { ...req.headers, 'idempotency-key': 'idem-1' } }), 'idem-1');
  const older: WebhookRequest = { ...req, headers: { ...req.headers, 'idempotency-key': undefined } };
  assert.equal(parser.deliveryId(older), 'uuid-1');
  rejects(
    () => parser.deliveryId({ ...older, headers: { ...older.headers, 'x-gitlab-event-uuid': undefined } }),
    400,
    /Idempotency-Key nor X-Gitlab-Event-UUID/,
  );
});

test('malformed JSON is a 400 that says the body is not JSON', () => {
  const req = signedRequest('gitlab', '{"object_kind": "push",', 'first-secret');
  rejects(() => parser.parse(req, ctx), 400, /not valid JSON/);
  rejects(() => parser.parse(signedRequest('gitlab', '[1,2]', 'first-secret'), ctx), 400, /missing fields/);
});

test('a push body missing fields is a 400 naming them', () => {
  rejects(() => parseEdited((b) => delete b.ref), 400, /ref:/);
  rejects(() => parseEdited((b) => (b.after = 'not-a-sha')), 400, /after: must be a 40 or 64 hex digit commit id/);
  rejects(() => parseEdited((b) => delete b.project), 400, /project:/);
});

test('events that are not pushes are ignored with the reason, never an error', () => {
  const mr = signedRequest(
    'gitlab',
    JSON.stringify({ object_kind: 'merge_request', event_type: 'merge_request' }),
    'first-secret',
    { event: 'Merge Request Hook' },
  );
  const parsed = parser.parse(mr, ctx);
  assert.equal(parsed.kind, 'ignored');
  // A merge request body without the fields dispatchd reads: 2xx with the reason, never a 400.
  assert.match(parsed.kind === 'ignored' ? parsed.reason : '', /GitLab merge_request body is missing fields/);
  const note = parser.parse(
    signedRequest('gitlab', JSON.stringify({ object_kind: 'note' }), 'first-secret', { event: 'Note Hook' }),
    ctx,
  );
  assert.match(note.kind === 'ignored' ? note.reason : '', /GitLab note body is missing fields/);
  const wiki = parser.parse(
    signedRequest('gitlab', JSON.stringify({ object_kind: 'wiki_page' }), 'first-secret', { event: 'Wiki Page Hook' }),
    ctx,
  );
  assert.match(wiki.kind === 'ignored' ? wiki.reason : '', /"wiki_page" \(Wiki Page Hook\) is not acted on/);
  // Found by the fuzz test (FC_SEED=830764528): an older job hook whose repository homepage is no URL.
  const damagedJob = parser.parse(
    signedRequest(
      'gitlab',
      JSON.stringify({
        object_kind: 'build',
        sha: 'a'.repeat(40),
        build_name: 't',
        build_status: 'success',
        repository: { homepage: '\u0000' },
      }),
      'first-secret',
      { event: 'Job Hook' },
    ),
    ctx,
  );
  assert.deepEqual(damagedJob, { kind: 'ignored', reason: 'GitLab job event names no project' });
  const kindless = parser.parse(signedRequest('gitlab', '{"foo":1}', 'first-secret', { event: 'System Hook' }), ctx);
  assert.equal(kindless.kind, 'ignored');
  const mergeRef = parseEdited((b) => (b.ref = 'refs/merge-requests/1/head'));
  assert.deepEqual(mergeRef, {
    kind: 'ignored',
    reason: 'push to refs/merge-requests/1/head, which is neither a branch nor a tag',
  });
});

test('a system hook routes on event_name when object_kind is absent', () => {
  const event = only(parseEdited((b) => delete b.object_kind, 'System Hook'));
  assert.equal(event.refName, 'master');
  assert.equal(event.after, '2adc9465c4edfc33834e173fe89436a7cb899a1d');
});

test('an annotated tag builds checkout_sha, the commit, not the tag object in after', () => {
  const event = only(
    parseEdited((b) => {
      b.object_kind = 'tag_push';
      b.ref = 'refs/tags/v2.0.0';
      b.after = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    }, 'Tag Push Hook'),
  );
  assert.equal(event.refType, 'tag');
  assert.equal(event.refName, 'v2.0.0');
  assert.equal(event.after, '2adc9465c4edfc33834e173fe89436a7cb899a1d');
});

test('checkout_sha null alone marks a deletion', () => {
  const event = only(parseEdited((b) => (b.checkout_sha = null)));
  assert.equal(event.deleted, true);
  assert.equal(event.after, ZERO_SHA);
  assert.equal(event.changedPaths, undefined);
});

test('nested groups stay in fullName', () => {
  const event = only(
    parseEdited((b) => {
      (b.project as Record<string, unknown>).path_with_namespace = 'platform/team-a/services/api';
    }),
  );
  assert.equal(event.repo.fullName, 'platform/team-a/services/api');
});

test('more commits than listed marks the commit list truncated', () => {
  const event = only(parseEdited((b) => (b.total_commits_count = 25)));
  assert.equal(event.commitsTruncated, true);
  assert.deepEqual(event.changedPaths, ['README.md']);
});

test('receivedAt is the receipt time and host the configured host name', () => {
  const req = signedRequest('gitlab', push, 'first-secret', { deliveryId: 'abc' });
  const event = only(parser.parse(req, { ...ctx, hostName: 'gitlab-two', now: 42 }));
  assert.equal(event.receivedAt, 42);
  assert.equal(event.host, 'gitlab-two');
  assert.equal(event.deliveryId, 'abc');
});
