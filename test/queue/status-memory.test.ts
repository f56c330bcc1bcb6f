import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createStatusMemory } from '../../src/queue/status-memory.js';
import { startRedis } from '../helpers/redis.js';

const SHA = 'a'.repeat(40);

/** What dispatchd said on a commit status, shared by workers through a real redis-server. */
describe('status memory: the same thing is not said twice, a late pending never undoes a final', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  before(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  const memory = () => createStatusMemory(redis, 60_000);
  let n = 0;
  const ctx = () => `dispatchd/deploy-${++n}`;

  it('posts a status once; the identical status again is skipped, a different one is posted', async () => {
    const m = memory();
    const c = ctx();
    const pending = { seq: 5, state: 'pending', description: 'updating acme/gitops staging' };
    assert.equal(await m.claim('github', 'acme/app', SHA, c, pending), true);
    assert.equal(await m.claim('github', 'acme/app', SHA, c, pending), false, 'same state, text and link');
    assert.equal(await m.claim('github', 'acme/app', SHA, c, { ...pending, seq: 9 }), false, 'same words, later plan');
    const done = { seq: 5, state: 'success', description: 'pull request updated', targetUrl: 'http://pr/1' };
    assert.equal(await m.claim('github', 'acme/app', SHA, c, done), true);
    assert.equal(await m.claim('github', 'acme/app', SHA, c, { ...done, targetUrl: 'http://pr/2' }), true);
    assert.equal(await m.claim('github', 'acme/other', SHA, c, pending), true, 'another repository is another status');
  });

  it('drops a pending status that arrives after the final one of the same or newer work, not one of newer work', async () => {
    const m = memory();
    const c = ctx();
    assert.equal(await m.claim('github', 'acme/app', SHA, c, { seq: 7, state: 'success', description: 'done' }), true);
    assert.equal(
      await m.claim('github', 'acme/app', SHA, c, { seq: 7, state: 'pending', description: 'updating' }),
      false,
    );
    assert.equal(
      await m.claim('github', 'acme/app', SHA, c, { seq: 6, state: 'pending', description: 'updating' }),
      false,
    );
    // An operator's retry plans the commit again under a newer stamp: its pending is news.
    assert.equal(
      await m.claim('github', 'acme/app', SHA, c, { seq: 8, state: 'pending', description: 'updating' }),
      true,
    );
  });

  it('forgets a claim whose post failed, so the same status is posted next time', async () => {
    const m = memory();
    const c = ctx();
    const s = { seq: 3, state: 'failure', description: 'bad Dispatchfile' };
    assert.equal(await m.claim('gitlab', 'g/app', SHA, c, s), true);
    await m.forget('gitlab', 'g/app', SHA, c, s);
    assert.equal(await m.claim('gitlab', 'g/app', SHA, c, s), true);
    assert.equal(await m.claim('gitlab', 'g/app', SHA, c, s), false);
  });

  it("waits for a plan's statuses before the GitOps worker posts its own, and gives up at the bound", async () => {
    const m = memory();
    let done = false;
    const waiting = m.waitPlanned([41, 42], 30_000).then(() => (done = true));
    await m.planned(41);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'one of the two plans has not posted yet');
    await m.planned(42);
    await waiting;
    // A plan that never marks (it died): the wait ends at its bound all the same.
    await m.waitPlanned([43], 50);
  });
});
