#!/usr/bin/env node
import { Command } from 'commander';
import { hasCode } from '../core/errors.js';
import { addOpsCommands } from './ops/commands.js';
import type { Mode, Running } from './run-service.js';

// Each command imports what it needs when it runs: the service pulls in BullMQ, Express and every
// SCM client, which an operator command such as `replay` or `pause` should not wait for.

const program = new Command('dispatchd')
  .description('Turns SCM push webhooks into GitOps pull requests')
  .showHelpAfterError();

async function fail(err: unknown): Promise<never> {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`dispatchd: ${message}\n`);
  if (hasCode(err, 'redis_missing')) {
    const { REDIS_INSTALL_HINT } = await import('../redis/embedded.js');
    process.stderr.write(`${REDIS_INSTALL_HINT}\n`);
  }
  process.exit(1);
}

/** Past the shutdown timeout, the forced close gets this long before the process exits regardless. */
const FORCE_MARGIN_MS = 5_000;

async function serve(mode: Mode): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let running: Running | undefined;
  let stopping = false;
  // SIGTERM ends the process within the shutdown timeout (+ FORCE_MARGIN_MS at worst), whatever
  // state Redis and the SCMs are in. Unfinished jobs stay in Redis, locked until their lock lapses;
  // another worker's stalled check then takes them back. Exit 0 only when everything finished.
  const shutdown = (signal: string) => {
    if (!running || stopping) {
      say(
        `dispatchd: ${signal}${stopping ? ' again' : ' while starting'}: exiting now; unfinished jobs are left for other workers`,
      );
      process.exit(1);
    }
    stopping = true;
    const timeoutMs = running.shutdownTimeoutMs;
    say(`dispatchd: ${signal}: finishing in-flight work (at most ${timeoutMs} ms), then exiting`);
    setTimeout(() => {
      say(
        `dispatchd: still not stopped ${timeoutMs + FORCE_MARGIN_MS} ms after ${signal}: exiting now; unfinished jobs are left for other workers`,
      );
      process.exit(1);
    }, timeoutMs + FORCE_MARGIN_MS);
    running.stop().then((r) => {
      if (r.clean) process.exit(0);
      say(
        `dispatchd: ${r.reason}: exiting 1; any unfinished job is left in Redis for another worker (taken back once its lock lapses)`,
      );
      process.exit(1);
    }, fail);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const { runService } = await import('./run-service.js');
  running = await runService(mode, process.env, say).catch(fail);
  if (mode === 'demo') {
    await running.stop();
    process.exit(0);
  }
}

program
  .command('start')
  .description('receiver and workers in one process (the offline demo when DISPATCHD_CONFIG is unset)')
  .action(() => serve('start'));
program
  .command('serve')
  .description('the webhook receiver only')
  .action(() => serve('serve'));
program
  .command('worker')
  .description('the job workers only (serves /healthz and /readyz on PORT)')
  .action(() => serve('worker'));
program
  .command('demo')
  .description('run the offline demo once and exit 0 when the GitOps change is there')
  .action(() => serve('demo'));

program
  .command('validate')
  .description('check a Dispatchfile; exit 1 with file:line:col per problem')
  .argument('<file>')
  .option('--json', 'print the normalised model')
  .action(async (file: string, opts: { json?: boolean }) => {
    const { runValidate } = await import('./validate.js');
    const r = await runValidate(file, { json: Boolean(opts.json) });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(r.exitCode);
  });

program
  .command('render')
  .description('show what update-gitops-repo flags would write in a GitOps checkout; changes nothing')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const { runRender } = await import('./render.js');
    const r = await runRender(args);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    process.exit(r.exitCode);
  });

addOpsCommands(program, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
});

await program.parseAsync(process.argv);
