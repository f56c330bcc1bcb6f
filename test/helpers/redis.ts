import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded.js';

/** A real redis-server on a free port in a temp dir, durable as production runs it. */
export async function startRedis(): Promise<EmbeddedRedis & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dispatchd-redis-'));
  const redis = await startEmbeddedRedis(dir);
  return {
    ...redis,
    dir,
    stop: async () => {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
