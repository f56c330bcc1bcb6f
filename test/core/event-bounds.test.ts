import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { EVENT_BOUNDS } from '../../src/core/event-bounds.js';
import { fixture } from '../e2e/fixtures.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SECRET = 'bounds-secret';

/** Through the real receiver: what a payload may carry into Redis is bounded, field by field. */
describe('payload fields dispatchd copies are bounded', { timeout: 60_000 }, () => {
  let stack: Stack;
  let n = 0;
  before(async () => {
    stack = await startStack(
      `hosts:\n  github: {kind: github, url: https://github.com, token: t, webhookSecret: ${SECRET}}\nrepositories:\n  - {host: github, repo: Codertocat/Hello-World}\ndataDir: \${DATA_DIR}\n`,
      { workers: false },
    );
  });
  after(() => stack?.stop());

  const push = (edit: (p: Record<string, unknown>) => void) => {
    const p = fixture('github/goscm-push.json');
    (p.repository as Record<string, unknown>).full_name = 'Codertocat/Hello-World';
    edit(p);
    const body = JSON.stringify(p);
    const signed = signedRequest('github', body, SECRET, { event: 'push', deliveryId: `bounds-${++n}` });
    return request(stack.server).post('/hooks/github').set(signed.headers).send(body);
  };
  const job = async (deliveryId: string) =>
    (await stack.drained(), await stack.producer.events.getJobs(['waiting', 'active', 'completed', 'delayed'])).find(
      (j) => j.data.event.deliveryId === deliveryId,
    )?.data.event;

  it('a ref longer than any SCM allows is refused with 400 saying which field', async () => {
    const res = await push((p) => {
      p.ref = `refs/heads/${'x'.repeat(EVENT_BOUNDS.refBytes)}`;
    });
    assert.equal(res.status, 400);
    assert.match(res.body.message, /the payload's ref is \d+ bytes, over dispatchd's 1024-byte limit/);
  });

  it('a huge commit message is cut, and thousands of paths mark the list incomplete', async () => {
    const res = await push((p) => {
      (p.head_commit as Record<string, unknown>).message = `Release\n\n${'@everyone '.repeat(10_000)}`;
      (p.head_commit as Record<string, unknown>).modified = Array.from({ length: 5000 }, (_, i) => `f/${i}.yaml`);
      p.commits = [p.head_commit];
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const e = await job(`bounds-${n}`);
    assert.ok(e?.headCommit);
    assert.ok(
      Buffer.byteLength(e.headCommit.message) <= EVENT_BOUNDS.messageBytes + 40,
      `message kept at ${Buffer.byteLength(e.headCommit.message)} bytes`,
    );
    assert.match(e.headCommit.message, /cut at 16384 bytes\)$/);
    assert.equal(e.changedPaths?.length, EVENT_BOUNDS.changedPaths);
    assert.equal(e.commitsTruncated, true, 'the planner asks the SCM instead of trusting a partial list');
  });

  it("a pull request's labels past their bounds are refused, not cut (a cut one could be a `!` glob's)", async () => {
    const labelled = (labels: string[]) => {
      const p = fixture('github/octokit-pull_request_labeled.json');
      (p.pull_request as Record<string, unknown>).labels = labels.map((name) => ({ name }));
      const body = JSON.stringify(p);
      const signed = signedRequest('github', body, SECRET, { event: 'pull_request', deliveryId: `bounds-${++n}` });
      return request(stack.server).post('/hooks/github').set(signed.headers).send(body);
    };
    const many = await labelled(Array.from({ length: EVENT_BOUNDS.labels + 1 }, (_, i) => `l${i}`));
    assert.equal(many.status, 400);
    assert.match(
      many.body.message,
      /pull request #2 has 101 labels, over dispatchd's limit of 100; remove some labels/,
    );
    const long = await labelled(['deploy', 'x'.repeat(EVENT_BOUNDS.labelBytes + 1)]);
    assert.equal(long.status, 400);
    assert.match(long.body.message, /a label of pull request #2 is 1025 bytes, over dispatchd's 1024-byte limit/);
    const fine = await labelled(['deploy-preview', 'hold']);
    assert.equal(fine.status, 202, JSON.stringify(fine.body));
  });
});
