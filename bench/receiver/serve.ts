/**
 * Child-process entry: serves one of the two servers under test on 127.0.0.1, prints
 * `LISTENING <port>`, and stops on SIGTERM. Run apart from the load generator so that neither
 * shares the other's event loop.
 *   node --import tsx bench/receiver/serve.ts <baseline|receiver> <redisUrl>
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { openProducer } from '../../src/runtime/connections.js';
import { buildReceiver } from '../../src/runtime/receiver.js';
import { startInboxPump } from '../../src/runtime/pump.js';
import { telemetryFor } from '../../src/runtime/telemetry.js';
import { startBaselineServer } from './baseline.js';
import { BENCH_SECRET, receiverConfigYaml } from './payload.js';

const [mode, redisUrl] = process.argv.slice(2);
if (!['baseline', 'receiver', 'receiver-split', 'pump'].includes(mode ?? '') || !redisUrl) {
  console.error('usage: serve.ts <baseline|receiver|receiver-split|pump> <redisUrl>');
  process.exit(2);
}

async function main(): Promise<void> {
  let close: () => Promise<void>;
  let server;
  if (mode === 'baseline') {
    const b = startBaselineServer(redisUrl!, BENCH_SECRET);
    server = b.server;
    close = b.close;
  } else {
    // The service logs one line per webhook at info; it pays for that here too (to /dev/null).
    const log = createLogger({ level: 'info', destination: pino.destination('/dev/null') });
    const producer = openProducer(redisUrl!);
    await producer.ready();
    const config = parseConfig(receiverConfigYaml(), {});
    server = buildReceiver(config, producer, log);
    // 'receiver': as `dispatchd start` runs it, with the workers' inbox pump in its process (idle:
    // it drains only stream entries of older receivers; the receiver writes jobs directly).
    // 'receiver-split': as `dispatchd serve` runs it, no pump here; 'pump' runs one alone.
    const pump =
      mode === 'receiver-split'
        ? undefined
        : startInboxPump(config, redisUrl!, producer, log, telemetryFor(config, producer, log).audit);
    if (mode === 'pump') {
      process.stdout.write('LISTENING 0\n');
      process.on(
        'SIGTERM',
        () => void pump!.close().finally(() => void producer.close().finally(() => process.exit(0))),
      );
      return;
    }
    close = async () => {
      await pump?.close();
      await producer.close();
    };
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void close().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
