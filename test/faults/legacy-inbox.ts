import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PushEvent } from '../../src/core/push-event.js';
import { pushJobId } from '../../src/queue/jobs.js';
import { keys } from '../../src/queue/names.js';
import { pushEvent } from '../helpers/push-event.js';

// The claim script of receivers up to commit 2f81714, verbatim in what it writes: the delivery
// "p:<seq>" and an entry in the inbox stream, which a pump turns into a job. Receivers since
// write the job directly (src/queue/inbox.ts); workers still run the pump so that entries such a
// receiver wrote during a rolling upgrade become jobs too. The pump's tests feed it this way.
const LEGACY_CLAIM = `
local dk = KEYS[3]
local v = redis.call('GET', dk)
if v then return {0, v} end
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', dk, 'p:' .. seq, 'PX', ARGV[1])
redis.call('XADD', KEYS[2], '*', 'd', dk, 'j', ARGV[2], 's', seq, 'e', ARGV[3])
return {1, 'p:' .. seq}
`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** A push as an earlier receiver accepted it: into the inbox stream, not yet a job. */
export async function acceptAsLegacyReceiver(redis: Redis, event: PushEvent): Promise<'queued' | 'duplicate'> {
  const [state] = (await redis.eval(
    LEGACY_CLAIM,
    3,
    keys.receiptSeq(),
    keys.inbox(),
    keys.delivery(event.host, event.deliveryId),
    3_600_000,
    pushJobId(event.host, event.deliveryId, sha),
    JSON.stringify(event),
  )) as [number, string];
  return state === 1 ? 'queued' : 'duplicate';
}

/** A push event as the GitHub parser makes it, with its own commit. */
export const legacyPush = (repo: string, deliveryId: string, after: string): PushEvent =>
  pushEvent({ repo, base: 'http://127.0.0.1:9', deliveryId, before: 'b'.repeat(40), after, pusher: 'alice' });
