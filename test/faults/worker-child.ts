/**
 * A workers-only process for the fault tests: `node --import tsx worker-child.ts <config.yaml>
 * <redisUrl>`. It runs the real `startWorkers` so a test can SIGKILL it mid-job; nothing here
 * catches the signal, so BullMQ's stalled-job recovery in another worker must hand its jobs back.
 */
import { createWriteStream } from 'node:fs';
import { loadConfigFile } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer } from '../../src/runtime/connections.js';
import { startWorkers } from '../../workers/start.js';

const [configPath, redisUrl, logPath] = process.argv.slice(2);
if (!configPath || !redisUrl) {
  process.stderr.write('usage: worker-child.ts <config.yaml> <redisUrl> [logfile]\n');
  process.exit(2);
}
const config = await loadConfigFile(configPath, process.env);
const log = createLogger({
  level: 'info',
  ...(logPath ? { destination: createWriteStream(logPath, { flags: 'a' }) } : {}),
});
const producer = openProducer(redisUrl);
await producer.ready(30_000);
const workers = await startWorkers(config, redisUrl, producer, log);
process.stdout.write('ready\n');
// SIGTERM is the graceful path (finish in-flight jobs); SIGKILL, the one the tests use, is not.
process.once('SIGTERM', () => {
  void workers
    .close()
    .then(() => producer.close())
    .then(() => process.exit(0));
});
