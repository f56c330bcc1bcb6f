import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { createInboxPump, PUMP_GROUP } from '../../src/queue/inbox-pump.js';
import { keys } from '../../src/queue/names.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startRedis } from '../helpers/redis.js';
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { acceptAsLegacyReceiver, legacyPush } from './legacy-inbox.js';
import { sleep, spawnReady, type WorkerProcess } from './harness.js';

const PUMP_CHILD = fileURLToPath(new URL('./pump-child.ts', import.meta.url));
const SECRET = 'pump-fault-secret';
const APP = 'acme/app';

/**
 * Receivers up to 2f81714 answered 202 once a delivery was an entry in the inbox stream; the
 * pump every worker runs turns such entries into jobs, so a rolling upgrade loses none. Those
 * entries are never lost and never doubled when the pump dies: at the worst moment (its batch's
 * jobs added, the entries not yet acknowledged) and at random moments under a stream of them.
 * Real redis-server, entries written by the earlier receiver's script (legacy-inbox.ts), real
 * pump in a child process killed with SIGKILL, redeliveries through today's receiver over HTTP.
 */
describe('inbox pump crashes: every delivery answered 202 becomes exactly one job', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  let server: Server;
  let url: string;
  let admin: Redis;
  const children: WorkerProcess[] = [];
  let n = 0;

  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    const config = parseConfig(
      `
hosts:
  github: { kind: github, url: http://127.0.0.1:9, token: t, webhookSecret: ${SECRET} }
repositories:
  - { host: github, repo: ${APP} }
dataDir: /tmp/dispatchd-pump-fault-unused
`,
      {},
    );
    producer = openProducer(redis.url);
    await producer.ready();
    server = buildReceiver(config, producer, createLogger({ level: 'silent' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/github`;
  });
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    server?.close();
    admin?.disconnect();
    await producer?.close();
    await redis?.stop();
  });

  /** A push with a body of its own, accepted as a receiver before direct job writes did (legacy-inbox.ts). */
  async function deliver(): Promise<{ deliveryId: string; status: string }> {
    const deliveryId = `d-${++n}`;
    const status = await acceptAsLegacyReceiver(
      admin,
      legacyPush(APP, deliveryId, (++n).toString(16).padStart(40, 'a')),
    );
    return { deliveryId, status };
  }

  /** The SCM redelivers `deliveryId` to today's receiver, over HTTP. */
  async function redeliver(deliveryId: string): Promise<string> {
    const sha = (++n).toString(16).padStart(40, 'a');
    const signed = signedRequest(
      'github',
      githubPushBody({ repo: APP, branch: 'main', before: 'b'.repeat(40), after: sha, base: 'http://127.0.0.1:9' }),
      SECRET,
      { deliveryId },
    );
    const res = await fetch(url, { method: 'POST', headers: signed.headers, body: new Uint8Array(signed.rawBody) });
    const body = (await res.json()) as { status: string };
    assert.equal(res.status, 202, JSON.stringify(body));
    return body.status;
  }

  const jobs = async () => {
    const all = await producer.events.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    return all.map((j) => ({ deliveryId: j.data.event.deliveryId, seq: j.data.seq }));
  };

  /** The real pump, in this process, taking over entries idle for 100 ms; resolves once the stream is empty. */
  async function drainWithHealthyPump(): Promise<void> {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const pump = createInboxPump({
      redis: connection,
      events: producer.events,
      consumer: 'healthy',
      deliveryTtlMs: 3_600_000,
      claimIdleMs: 100,
      blockMs: 100,
    });
    try {
      for (let i = 0; (await admin.xlen(keys.inbox())) > 0; i++) {
        if (i > 300) assert.fail('the healthy pump did not drain the inbox within 15 s');
        await sleep(50);
      }
    } finally {
      await pump.close();
      connection.disconnect();
    }
  }

  async function assertOneJobEach(accepted: string[]): Promise<void> {
    const all = await jobs();
    const ids = all.map((j) => j.deliveryId).sort();
    assert.deepEqual(ids, [...accepted].sort(), 'one job per accepted delivery, none extra');
    for (const j of all)
      assert.equal(
        await admin.get(keys.delivery('github', j.deliveryId)),
        `q:${j.seq}`,
        `${j.deliveryId} marked queued under the receipt seq its job carries`,
      );
    const pending = (await admin.xpending(keys.inbox(), PUMP_GROUP)) as [number, ...unknown[]];
    assert.equal(pending[0], 0, 'no entry left pending in the group');
  }

  it(
    'killed after adding a batch of jobs, before acknowledging it: another pump takes the entries over',
    { timeout: 60_000 },
    async () => {
      const accepted: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await deliver();
        assert.equal(r.status, 'queued');
        accepted.push(r.deliveryId);
      }
      // A Redis user that may do everything but XACK: its pump adds each batch's jobs, then its
      // acknowledging script fails at the first XACK (after marking that delivery queued) and the
      // entries stay pending under it. That is the state a SIGKILL between the two leaves.
      await admin.call('ACL', 'SETUSER', 'doomed', 'on', '>doomed-pw', '~*', '&*', '+@all', '-xack');
      const doomedUrl = redis.url.replace('redis://', 'redis://doomed:doomed-pw@');
      const doomed = await spawnReady(PUMP_CHILD, [doomedUrl, 'doomed'], {});
      children.push(doomed);
      for (let i = 0; (await jobs()).length < accepted.length; i++) {
        if (i > 300) assert.fail('the doomed pump did not add the jobs within 15 s');
        await sleep(50);
      }
      await doomed.kill();
      const pending = (await admin.xpending(keys.inbox(), PUMP_GROUP)) as [number, ...unknown[]];
      assert.equal(pending[0], accepted.length, 'every entry is still pending under the dead pump');
      const states = await admin.mget(...accepted.map((id) => keys.delivery('github', id)));
      assert.ok(states.some((s) => s?.startsWith('q:')) && states.some((s) => s?.startsWith('p:')), String(states));

      await drainWithHealthyPump();
      await assertOneJobEach(accepted);
      // The SCM redelivers everything once more, to today's receiver: nothing is added.
      for (const id of accepted) assert.equal(await redeliver(id), 'duplicate');
      assert.equal((await admin.xlen(keys.inbox())) + (await jobs()).length, accepted.length);
    },
  );

  it(
    'SIGKILLed at random moments under a stream of webhooks: nothing lost, nothing doubled',
    { timeout: 90_000 },
    async () => {
      const before = (await jobs()).map((j) => j.deliveryId);
      const accepted: string[] = [];
      let sending = true;
      const senders = Array.from({ length: 4 }, async () => {
        while (sending) {
          const r = await deliver();
          if (r.status === 'queued') accepted.push(r.deliveryId);
        }
      });
      for (let k = 0; k < 4; k++) {
        const pump = await spawnReady(PUMP_CHILD, [redis.url, `random-${k}`], {});
        children.push(pump);
        await sleep(200 + Math.floor(Math.random() * 600));
        await pump.kill();
      }
      sending = false;
      await Promise.all(senders);
      assert.ok(accepted.length > 20, `only ${accepted.length} deliveries were sent`);
      await drainWithHealthyPump();
      await assertOneJobEach([...before, ...accepted]);
    },
  );
});
