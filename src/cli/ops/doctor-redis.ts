import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parseRedisTarget, redisClientArgs } from '../../redis/target.js';
import { REDIS_INSTALL_HINT } from '../../redis/embedded.js';
import { fail, ok, warn, within, type Check } from './check.js';

const run = promisify(execFile);

/** Without REDIS_URL, `dispatchd start` runs redis-server itself: it must be on the PATH. */
async function embedded(): Promise<Check[]> {
  try {
    const { stdout } = await run('redis-server', ['--version']);
    return [
      ok(
        `redis: REDIS_URL unset; start will run an embedded ${stdout.trim().split(' ').slice(0, 3).join(' ')} (serve and worker need REDIS_URL)`,
      ),
    ];
  } catch {
    return [fail('redis: REDIS_URL unset and redis-server is not on the PATH', REDIS_INSTALL_HINT)];
  }
}

const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

/**
 * PING at REDIS_URL, then the settings a durable inbox needs: `noeviction` (an evicted job is a
 * lost push) and AOF. Managed Redis often forbids CONFIG; that is a warning, not a failure.
 */
export async function checkRedis(url: string | undefined, timeoutMs: number): Promise<Check[]> {
  if (!url) return embedded();
  // A sentinel URL (redis+sentinel://…) is asked through its sentinels, like the service does.
  const target = redisClientArgs(parseRedisTarget(url));
  const options = {
    ...target.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  };
  const redis = target.url ? new Redis(target.url, options) : new Redis(options);
  // ioredis reports why (ECONNREFUSED, WRONGPASS…) as an event; the rejected connect only says "closed".
  let reason: string | undefined;
  redis.on('error', (err: Error & { code?: string }) => {
    reason ??= err.code ?? err.message;
  });
  try {
    await within(timeoutMs, 'connect', redis.connect());
    await within(timeoutMs, 'PING', redis.ping());
  } catch (err) {
    redis.disconnect();
    return [
      fail(
        `redis: cannot reach ${shown(url)} (${reason ?? (err as Error).message})`,
        'check REDIS_URL (redis://[:password@]host:port[/db]), that Redis runs and that this machine may connect to it',
      ),
    ];
  }
  const checks: Check[] = [ok(`redis: ${shown(url)} answers PING`)];
  try {
    const [, policy] = (await within(timeoutMs, 'CONFIG GET', redis.config('GET', 'maxmemory-policy'))) as string[];
    const [, aof] = (await within(timeoutMs, 'CONFIG GET', redis.config('GET', 'appendonly'))) as string[];
    checks.push(
      policy === 'noeviction'
        ? ok('redis: maxmemory-policy noeviction')
        : fail(
            `redis: maxmemory-policy is ${policy}: Redis may evict queued pushes`,
            'set maxmemory-policy noeviction (BullMQ needs it)',
          ),
    );
    if (aof !== 'yes')
      checks.push(
        warn(
          'redis: appendonly is off: a Redis restart loses pushes answered 202',
          'set appendonly yes and appendfsync always (or everysec)',
        ),
      );
  } catch (err) {
    checks.push(
      warn(
        `redis: cannot read its settings (${(err as Error).message})`,
        'make sure maxmemory-policy is noeviction and AOF is on in your Redis service',
      ),
    );
  }
  redis.disconnect();
  return checks;
}
