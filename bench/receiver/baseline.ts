import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The floor for the receiver: bare node:http, HMAC-SHA256 over the raw body, JSON.parse and one
 * BullMQ `queue.add` keyed by the delivery id, then 202. No normalising, no dedupe record, no
 * logging: what any webhook-to-queue service must at least do.
 */
export function startBaselineServer(redisUrl: string, secret: string): { server: Server; close(): Promise<void> } {
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const queue = new Queue('bench-baseline', { connection: redis, prefix: 'baseline' });
  queue.on('error', () => undefined);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
      const wanted = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        res.writeHead(401).end();
        return;
      }
      const p = JSON.parse(body.toString('utf8')) as {
        ref: string;
        before: string;
        after: string;
        repository: { full_name: string };
      };
      const delivery = String(req.headers['x-github-delivery']);
      queue
        .add(
          'push',
          { deliveryId: delivery, ref: p.ref, before: p.before, after: p.after, repo: p.repository.full_name },
          { jobId: `push-${delivery}` },
        )
        .then(
          () => {
            const text = JSON.stringify({ status: 'queued' });
            res
              .writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
              .end(text);
          },
          () => res.writeHead(503).end(),
        );
    });
  });
  return {
    server,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
