import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import type { ScmKind } from '../../src/core/push-event.js';
import { createLogger } from '../../src/log/logger.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { openProducer, type Producer } from '../../src/runtime/connections.js';
import { parseConfig } from '../../src/config/load.js';
import { FIXTURES } from '../e2e/fixtures.js';
import { startRedis } from '../helpers/redis.js';
import { signedRequest } from '../helpers/sign.js';
import { damagedText, mutatedJson, randomBody } from './mutate.js';
import { fuzzSeed } from './seed.js';

/**
 * Every webhook parser, through the real HTTP receiver: bodies are signed with the host's real
 * secret, so fuzzed bytes get past the signature check and reach the parser. Whatever arrives,
 * the answer is never a 5xx, and every refusal carries a message a person can act on.
 */
const SEED = fuzzSeed('webhook fuzz');
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SECRET = 'fuzz-secret';

const read = (p: string) => readFileSync(new URL(p, FIXTURES), 'utf8');
const jsonDir = (dir: string) =>
  readdirSync(new URL(`${dir}/`, FIXTURES))
    .filter((f) => f.endsWith('.json'))
    .map((f) => read(`${dir}/${f}`));
const examples = (
  createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: unknown[];
  }[]
)
  .filter((e) => e.name === 'push' || e.name === 'ping')
  .flatMap((e) => e.examples.map((x) => JSON.stringify(x)));
const gitSeed = JSON.stringify({
  repo: 'acme/app.git',
  ref: 'refs/heads/main',
  before: '0'.repeat(40),
  after: 'a'.repeat(40),
  pusher: 'dev',
  changedPaths: ['src/a.ts'],
});

const KINDS: { kind: ScmKind; seeds: string[]; events: string[] }[] = [
  { kind: 'github', seeds: [...jsonDir('github'), ...examples], events: ['push', 'ping', 'create', 'pull_request'] },
  {
    kind: 'gitlab',
    seeds: jsonDir('gitlab'),
    events: ['Push Hook', 'Tag Push Hook', 'System Hook', 'Merge Request Hook'],
  },
  {
    kind: 'bitbucket-cloud',
    seeds: jsonDir('bitbucket-cloud'),
    events: ['repo:push', 'diagnostics:ping', 'pullrequest:created'],
  },
  {
    kind: 'bitbucket-server',
    seeds: jsonDir('bitbucket-server'),
    events: ['repo:refs_changed', 'diagnostics:ping', 'pr:opened'],
  },
  { kind: 'git', seeds: [gitSeed], events: ['push', 'ping', 'tag'] },
];

/** The repositories the seeds push to, so that well-formed fuzzed pushes go all the way to the queue. */
function servedRepos(): string[] {
  const names = new Set<string>(['acme/app.git']);
  const golden = new URL('../fixtures/golden/', import.meta.url);
  for (const kind of readdirSync(golden)) {
    for (const f of readdirSync(new URL(`${kind}/`, golden))) {
      const g = JSON.parse(readFileSync(new URL(`${kind}/${f}`, golden), 'utf8')) as {
        events?: { repo: { fullName: string } }[];
      };
      for (const e of g.events ?? []) names.add(e.repo.fullName);
    }
  }
  for (const s of [...jsonDir('github'), ...examples]) {
    const full = (JSON.parse(s) as { repository?: { full_name?: string } }).repository?.full_name;
    if (full) names.add(full);
  }
  return [...names];
}

describe('webhook parsers under fuzzing (signed bodies through the real receiver)', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let producer: Producer;
  let server: Server;
  let url: string;
  const outcomes = new Map<string, number>();

  before(async () => {
    redis = await startRedis();
    const hosts = KINDS.map(
      ({ kind }) =>
        `  ${kind}: { kind: ${kind}, url: https://${kind}.example.com, apiUrl: https://${kind}.example.com/api, token: t, webhookSecret: ${SECRET} }`,
    ).join('\n');
    const repos = KINDS.flatMap(({ kind }) => servedRepos().map((r) => `  - { host: ${kind}, repo: "${r}" }`)).join(
      '\n',
    );
    // The fuzzer resends unmutated bodies under new delivery ids; the replay check would answer
    // those "duplicate" (test/receiver/replay.test.ts covers it), so it is off here.
    const config = parseConfig(
      `hosts:\n${hosts}\nrepositories:\n${repos}\ndataDir: /tmp/dispatchd-fuzz-unused\nreplayWindow: 0\n`,
      {},
    );
    producer = openProducer(redis.url);
    await producer.ready();
    server = buildReceiver(config, producer, createLogger({ level: 'silent' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    console.log(`webhook fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    server?.close();
    await producer?.close();
    await redis?.stop();
  });

  for (const { kind, seeds, events } of KINDS) {
    it(`${kind}: mutated, damaged and random bodies never get a 5xx; refusals say why`, async () => {
      const body = fc.oneof(
        { weight: 3, arbitrary: mutatedJson(seeds.map((s) => JSON.parse(s) as unknown)) },
        { weight: 2, arbitrary: damagedText(seeds) },
        { weight: 1, arbitrary: randomBody },
      );
      const event = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...events) },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /^[\x21-\x7e]+$/.test(s)) },
      );
      await fc.assert(
        fc.asyncProperty(body, event, async (text, ev) => {
          const signed = signedRequest(kind, Buffer.from(text), SECRET, { event: ev, deliveryId: randomUUID() });
          const res = await request(url).post(`/hooks/${kind}`).set(signed.headers).send(text);
          const key = `${kind} ${res.status} ${res.body?.error ?? res.body?.status ?? '?'}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          // A 503 that says Redis was slow (a loaded machine, appendfsync always) is the receiver's
          // documented answer, not a parser failure; anything else 5xx is a bug.
          if (res.status === 503 && res.body.error === 'redis_unavailable') return;
          assert.ok(
            res.status < 500,
            `${res.status} for event "${ev}": ${JSON.stringify(res.body)}\nbody: ${text.slice(0, 500)}`,
          );
          if (res.status >= 400)
            assert.ok(
              typeof res.body.message === 'string' && res.body.message.length > 10,
              `refusal without a message: ${JSON.stringify(res.body)}`,
            );
          else if (res.body.status === 'ignored')
            assert.ok(
              typeof res.body.reason === 'string' && res.body.reason.length > 0,
              `ignored without a reason: ${JSON.stringify(res.body)}`,
            );
          else assert.ok(['queued', 'duplicate', 'pong'].includes(res.body.status), JSON.stringify(res.body));
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  }

  it('real payloads of every SCM are queued, so the mutations start from bodies that reach the queue', async () => {
    for (const { kind, seeds, events } of KINDS) {
      let queued = 0;
      for (const seed of seeds) {
        const signed = signedRequest(kind, seed, SECRET, { event: events[0]!, deliveryId: randomUUID() });
        let res = await request(url).post(`/hooks/${kind}`).set(signed.headers).send(seed);
        if (res.status === 503) res = await request(url).post(`/hooks/${kind}`).set(signed.headers).send(seed);
        if (res.status === 202 && res.body.status === 'queued') queued++;
        else if (process.env.FUZZ_DEBUG) console.log(kind, res.status, JSON.stringify(res.body));
      }
      assert.ok(queued > 0, `${kind}: none of ${seeds.length} real payloads was queued`);
    }
  });
});
