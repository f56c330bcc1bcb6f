import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { PushJob } from '../../src/queue/jobs.js';
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SECRET = 'one-round-trip-secret';
const REPO = 'acme/app';

/**
 * Issue 15's first promise, as Redis sees it (MONITOR on a real redis-server): accepting a push
 * is one command from the receiver, the accept script, and the job exists when the 202 is sent,
 * with no worker or pump running. The script's own commands show as run by Lua.
 */
describe('accepting a webhook is one Redis round trip', { timeout: 60_000 }, () => {
  let stack: Stack;
  let client: Redis;
  let monitor: Redis;
  let n = 0;

  before(async () => {
    stack = await startStack(
      `hosts:\n  github: { kind: github, url: https://github.com, token: t, webhookSecret: ${SECRET} }\n` +
        `repositories:\n  - { host: github, repo: ${REPO} }\ndataDir: \${DATA_DIR}\n`,
      { workers: false },
    );
  });
  after(async () => {
    monitor?.disconnect();
    client?.disconnect();
    await stack?.stop();
  });

  const push = () => {
    const after = (++n).toString(16).padStart(40, 'c');
    const signed = signedRequest('github', githubPushBody({ repo: REPO, branch: 'main', after }), SECRET, {
      deliveryId: `rt-${n}`,
    });
    return request(stack.server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
  };

  it('one EVALSHA per push, and its job is waiting when the 202 arrives', async () => {
    assert.equal((await push()).status, 202, 'a first push loads the script');
    // monitor() opens a connection of its own in MONITOR mode; both are closed in after().
    client = new Redis(stack.redisUrl);
    monitor = await client.monitor();
    const seen: { args: string[]; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
    // MONITOR starts reporting once its reply arrived; a PING through the stack's connection marks that point.
    await stack.producer.redis.ping();
    for (let i = 0; i < 100 && !seen.some((s) => s.args[0]?.toLowerCase() === 'ping'); i++)
      await new Promise((r) => setTimeout(r, 20));
    seen.length = 0;

    const res = await push();
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'queued');
    const waiting = await stack.producer.events.getJobs(['waiting']);
    assert.ok(
      waiting.some((j) => (j.data as PushJob).event.deliveryId === `rt-${n}`),
      'the job exists without a pump',
    );
    await new Promise((r) => setTimeout(r, 200));
    const fromClients = seen.filter((s) => !s.source.startsWith('lua'));
    const byReceiver = fromClients.filter((s) => s.args[0]?.toLowerCase() === 'evalsha');
    assert.equal(byReceiver.length, 1, `one accept script call: ${JSON.stringify(fromClients.map((s) => s.args[0]))}`);
    // Everything else a client sent in that window is this test's own job listing, not the receiver's.
    const before202 = fromClients.slice(0, fromClients.indexOf(byReceiver[0]!) + 1);
    assert.deepEqual(
      before202.map((s) => s.args[0]?.toLowerCase()),
      ['evalsha'],
      'nothing else on the way to the 202',
    );
    const inLua = seen.filter((s) => s.source.startsWith('lua')).map((s) => s.args[0]?.toLowerCase());
    assert.ok(
      inLua.includes('hset') && inLua.includes('lpush'),
      `the job is written by the script: ${inLua.join(' ')}`,
    );
  });
});
