/**
 * Child-process entry for the scale and mirror sections: the real workers (`startWorkers`, with
 * the inbox pump) as `dispatchd worker` runs them, logging warnings only, to /dev/null.
 *   node --import tsx bench/scale/worker-process.ts <config.yaml> <redisUrl>
 * Prints `LISTENING 0` once the workers run; SIGTERM lets jobs in hand finish.
 */
import { pino } from 'pino';
import { loadConfigFile } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer } from '../../src/runtime/connections.js';
import { startWorkers } from '../../workers/start.js';

const [configPath, redisUrl] = process.argv.slice(2);
if (!configPath || !redisUrl) {
  console.error('usage: worker-process.ts <config.yaml> <redisUrl>');
  process.exit(2);
}
const config = await loadConfigFile(configPath, {});
const log = createLogger({ level: 'warn', destination: pino.destination(process.env.BENCH_WORKER_LOG ?? '/dev/null') });
const producer = openProducer(redisUrl);
await producer.ready(30_000);
const workers = await startWorkers(config, redisUrl, producer, log);
process.stdout.write('LISTENING 0\n');
process.once('SIGTERM', () => {
  void workers
    .close()
    .then(() => producer.close())
    .finally(() => process.exit(0));
});
