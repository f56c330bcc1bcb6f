/**
 * An inbox pump alone, for the fault tests: `node --import tsx pump-child.ts <redisUrl> <consumer>`.
 * It runs the real `createInboxPump` so a test can SIGKILL it between adding a batch's jobs and
 * acknowledging its entries; nothing here catches the signal.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createInboxPump } from '../../src/queue/inbox-pump.js';
import { PUSH_QUEUE, QUEUE_PREFIX } from '../../src/queue/names.js';

const [redisUrl, consumer] = process.argv.slice(2);
if (!redisUrl || !consumer) {
  process.stderr.write('usage: pump-child.ts <redisUrl> <consumer>\n');
  process.exit(2);
}
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const events = new Queue(PUSH_QUEUE, {
  connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  prefix: QUEUE_PREFIX,
});
createInboxPump({
  redis: connection,
  events,
  consumer,
  deliveryTtlMs: 3_600_000,
  batch: 16,
  onError: (err) => process.stderr.write(`pump: ${err.message}\n`),
});
process.stdout.write('ready\n');
