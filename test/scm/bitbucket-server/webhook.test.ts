import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WebhookError } from '../../../src/core/errors.js';
import type { ParsedWebhook, PushEvent } from '../../../src/core/push-event.js';
import { bitbucketServerWebhookParser } from '../../../src/scm/bitbucket-server/webhook.js';
import type { WebhookContext } from '../../../src/scm/contracts.js';
import { signedRequest } from '../../helpers/sign.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/webhooks/bitbucket-server/${name}`, import.meta.url), 'utf8');
const push = fixture('goscm-push.json');
const ctx: WebhookContext = {
  hostName: 'bbs',
  hostUrl: 'https://bitbucket.example.com',
  secrets: ['first-secret', 'second-secret'],
  now: 1_700_000_000_000,
};
const parser = bitbucketServerWebhookParser();

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

type Body = { repository: Record<string, unknown>; changes: Array<Record<string, unknown>> };
const edited = (edit: (b: Body) => void, id = 'd1'): ParsedWebhook => {
  const body = JSON.parse(push) as Body;
  edit(body);
  return parser.parse(signedRequest('bitbucket-server', JSON.stringify(body), 'first-secret', { deliveryId: id }), ctx);
};

test('a missing or wrong X-Hub-Signature is refused with 401; either rotated secret passes', () => {
  const req = signedRequest('bitbucket-server', push, 'second-secret');
  parser.verify(req, ctx);
  parser.verify(signedRequest('bitbucket-server', push, 'first-secret'), ctx);
  rejects(
    () => parser.verify({ ...req, headers: { ...req.headers, 'x-hub-signature': undefined } }, ctx),
    401,
    /missing X-Hub-Signature/,
  );
  rejects(() => parser.verify(signedRequest('bitbucket-server', push, 'guessed'), ctx), 401, /does not match the body/);
  rejects(
    () => parser.verify(signedRequest('bitbucket-server', push, 'x'), { ...ctx, secrets: [] }),
    401,
    /no webhookSecret/,
  );
});

test('"Test connection" (diagnostics:ping) is a ping', () => {
  const parsed = parser.parse(
    signedRequest('bitbucket-server', '{"test": true}', 'first-secret', { event: 'diagnostics:ping' }),
    ctx,
  );
  assert.equal(parsed.kind, 'ping');
});

test('delivery id is X-Request-Id, and its absence is a 400', () => {
  const req = signedRequest('bitbucket-server', push, 'first-secret', { deliveryId: 'req-7' });
  assert.equal(parser.deliveryId(req), 'req-7');
  rejects(
    () => parser.deliveryId({ ...req, headers: { ...req.headers, 'x-request-id': undefined } }),
    400,
    /no X-Request-Id/,
  );
});

test('several changes give one event per branch or tag; other refs are skipped', () => {
  const got = events(
    edited((b) => {
      const first = b.changes[0]!;
      b.changes.push(
        { ...first, ref: { id: 'refs/notes/commits', displayId: 'commits', type: 'BRANCH' } },
        { ...first, ref: { id: 'refs/tags/v2', displayId: 'v2', type: 'TAG' }, fromHash: '0'.repeat(40), type: 'ADD' },
      );
    }, 'many'),
  );
  assert.deepEqual(
    got.map((e) => [e.deliveryId, e.ref, e.refType, e.created]),
    [
      ['many', 'refs/heads/master', 'branch', false],
      ['many#2', 'refs/tags/v2', 'tag', true],
    ],
  );
  const onlyNotes = edited((b) => (b.changes[0]!.ref = { id: 'refs/notes/commits' }));
  assert.equal(onlyNotes.kind, 'ignored');
});

test('clone URL comes from the http clone link without the acting user, else from the host', () => {
  const linked = events(
    edited((b) => {
      b.repository.links = {
        clone: [
          { href: 'ssh://git@bitbucket.example.com:7999/prj/my-repo.git', name: 'ssh' },
          { href: 'https://jcitizen@bitbucket.example.com/scm/prj/my-repo.git', name: 'http' },
        ],
      };
    }),
  );
  assert.equal(linked[0]!.repo.cloneUrl, 'https://bitbucket.example.com/scm/prj/my-repo.git');
  const built = events(edited(() => {}));
  assert.deepEqual(built[0]!.repo, {
    fullName: 'PRJ/my-repo',
    cloneUrl: 'https://bitbucket.example.com/scm/prj/my-repo.git',
    webUrl: 'https://bitbucket.example.com/projects/PRJ/repos/my-repo',
  });
});

test('a personal project is ~user/slug', () => {
  const got = events(edited((b) => (b.repository.project = { key: '~jcitizen', type: 'PERSONAL' })));
  assert.deepEqual(got[0]!.repo, {
    fullName: '~jcitizen/my-repo',
    cloneUrl: 'https://bitbucket.example.com/scm/~jcitizen/my-repo.git',
    webUrl: 'https://bitbucket.example.com/users/jcitizen/repos/my-repo',
  });
});

test('events other than pushes and pull requests are ignored with the reason', () => {
  const parsed = parser.parse(
    signedRequest('bitbucket-server', '{}', 'first-secret', { event: 'pr:comment:added' }),
    ctx,
  );
  assert.deepEqual(parsed, {
    kind: 'ignored',
    reason:
      'Bitbucket Server event "pr:comment:added" is not acted on: dispatchd acts on repo:refs_changed and pr:opened/from_ref_updated/merged/declined/deleted',
  });
});

test('malformed JSON and unknown change types are 400s that say what is wrong', () => {
  rejects(
    () => parser.parse(signedRequest('bitbucket-server', 'not json', 'first-secret'), ctx),
    400,
    /not valid JSON/,
  );
  rejects(() => edited((b) => (b.changes[0]!.type = 'MERGE')), 400, /changes\.0\.type/);
});
