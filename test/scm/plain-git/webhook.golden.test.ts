import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebhookError } from '../../../src/core/errors.js';
import type { WebhookContext } from '../../../src/scm/contracts.js';
import { plainGitWebhookParser } from '../../../src/scm/plain-git/webhook.js';
import { goldenTable } from '../../helpers/golden-table.js';
import { signedRequest } from '../../helpers/sign.js';

const NOW = 1_700_000_000_000;
const SECRET = 'git-golden-secret';

// Bodies scripts/git-post-receive.mjs really sent for real pushes (test/fixtures/webhooks/SOURCES.md).
goldenTable({
  scm: 'git',
  label: 'plain git',
  parser: plainGitWebhookParser,
  ctx: { hostName: 'git-local', hostUrl: 'https://git.example.com', now: NOW },
  secret: SECRET,
  idPrefix: 'git',
});

/**
 * What the hook's JSON may also carry, and what the event header decides: the rest of what the
 * parser accepts, each with the exact result or refusal.
 */
const ctx: WebhookContext = { hostName: 'git-local', hostUrl: 'https://git.example.com', secrets: [SECRET], now: NOW };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const body = { repo: 'acme/app.git', ref: 'refs/heads/main', before: A, after: B };

function parse(payload: unknown, event?: string) {
  const raw = JSON.stringify(payload);
  const req = signedRequest('git', raw, SECRET, {
    deliveryId: 'd1',
    timestampSeconds: NOW / 1000,
    ...(event ? { event } : {}),
  });
  if (!event) delete req.headers['x-dispatchd-event'];
  const parser = plainGitWebhookParser();
  parser.verify(req, ctx);
  return parser.parse(req, ctx);
}

const accepted: { name: string; payload: unknown; event?: string; want: unknown }[] = [
  {
    name: 'no X-Dispatchd-Event header is a push; no pusher is "unknown"',
    payload: body,
    want: {
      kind: 'push',
      events: [
        {
          host: 'git-local',
          scm: 'git',
          deliveryId: 'd1',
          repo: {
            fullName: 'acme/app.git',
            cloneUrl: 'https://git.example.com/acme/app.git',
            webUrl: 'https://git.example.com/acme/app.git',
          },
          ref: 'refs/heads/main',
          refType: 'branch',
          refName: 'main',
          before: A,
          after: B,
          created: false,
          deleted: false,
          forced: false,
          pusher: 'unknown',
          receivedAt: NOW,
        },
      ],
    },
  },
  {
    name: 'changedPaths, when a sender lists them, are kept as sent',
    payload: { ...body, pusher: 'dev', changedPaths: ['src/a.ts', 'deploy/x.yaml'] },
    event: 'push',
    want: { changedPaths: ['src/a.ts', 'deploy/x.yaml'], pusher: 'dev' },
  },
  {
    name: 'ping',
    payload: {},
    event: 'ping',
    want: { kind: 'ping', message: 'pong: the hook reaches dispatchd and its signature checks out' },
  },
  {
    name: 'any other event is ignored, saying what to send',
    payload: body,
    event: 'tag',
    want: { kind: 'ignored', reason: 'event "tag" is not acted on: send "push"' },
  },
];

for (const c of accepted) {
  test(`plain git: ${c.name}`, () => {
    const got = JSON.parse(JSON.stringify(parse(c.payload, c.event))) as { kind: string; events?: object[] };
    const want = c.want as { kind?: string };
    // Rows that name only some fields check those fields of the one event.
    if (want.kind) assert.deepEqual(got, want);
    else {
      assert.equal(got.kind, 'push');
      assert.deepEqual({ ...got.events?.[0], ...want }, got.events?.[0]);
    }
  });
}

const refused: { name: string; payload: unknown; message: RegExp }[] = [
  {
    name: 'a repo path with ..',
    payload: { ...body, repo: 'acme/../etc' },
    message: /repo: must be a relative path without "\.\."/,
  },
  {
    name: 'an absolute repo path',
    payload: { ...body, repo: '/srv/git/app.git' },
    message: /repo: must be a relative path/,
  },
  { name: 'a short commit id', payload: { ...body, after: 'abc123' }, message: /after: a 40-hex commit id/ },
  {
    name: 'no ref',
    payload: { repo: 'acme/app.git', before: A, after: B },
    message: /missing fields dispatchd needs: ref:/,
  },
];

for (const c of refused) {
  test(`plain git refuses ${c.name} with 400 naming the field`, () => {
    assert.throws(
      () => parse(c.payload, 'push'),
      (e: unknown) => e instanceof WebhookError && e.status === 400 && c.message.test(e.message),
    );
  });
}
