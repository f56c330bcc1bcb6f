import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { EXIT, UsageError, type CliIo } from './io.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectInt = (value: string, previous: number[] = []) => {
  if (!/^\d+$/.test(value))
    throw new UsageError(`--hook ${value}: give a hook id (a number, as GET /repos/{owner}/{repo}/hooks lists it)`);
  return [...previous, Number(value)];
};

/** Runs a command and exits with its code: 2 when it could not start (usage, config), 1 when it failed. */
function action<A extends unknown[]>(io: CliIo, run: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    let code: number;
    try {
      code = await run(...args);
    } catch (err) {
      const usage = err instanceof UsageError || err instanceof ConfigError;
      io.err(`dispatchd: ${err instanceof Error ? err.message : String(err)}`);
      code = usage ? EXIT.usage : EXIT.failed;
    }
    process.exit(code);
  };
}

/** The operator commands (docs/cli.md): replay, redeliver, retry, pause, resume, rollback, doctor; each loaded when run. */
export function addOpsCommands(program: Command, io: CliIo): void {
  const url = ['--url <base>', "dispatchd's base URL (default http://127.0.0.1:$PORT)"] as const;
  program
    .command('replay')
    .description(
      "sign a stored webhook payload with the host's (or its repository's) secret and send it through the admin API (/api/replay/<host>, needs DISPATCHD_ADMIN_TOKEN), past the replay-window check",
    )
    .argument('<payload>', 'a JSON webhook body (or a GitHub delivery as its API shows it)')
    .requiredOption('--host <name>', 'the configured host the payload belongs to')
    .option(...url)
    .option(
      '--delivery-id <id>',
      'send with this delivery id (default: a new one, so it is not dropped as a redelivery)',
    )
    .option('--event <name>', "the SCM's event header value (default: inferred from the payload)")
    .action(
      action(io, (file: string, opts: { host: string; url?: string; deliveryId?: string; event?: string }) =>
        import('./replay.js').then((m) => m.runReplay(file, opts, io)),
      ),
    );
  program
    .command('redeliver')
    .description('ask GitHub to redeliver the webhooks that failed since a time (GitHub never retries by itself)')
    .requiredOption('--host <name>', 'a github host of the config')
    .requiredOption('--since <time>', 'an ISO time or an age such as 30m, 2h, 7d')
    .option('--repo <owner/name>', "a repository (repeatable; default: the config's repositories on the host)", collect)
    .option('--hook <id>', 'a hook id (repeatable; default: the hooks whose URL ends in /hooks/<host>)', collectInt)
    .option('--dry-run', 'list what would be redelivered, change nothing')
    .action(
      action(io, (opts: { host: string; since: string; repo?: string[]; hook?: number[]; dryRun?: boolean }) =>
        import('./redeliver.js').then((m) => m.runRedeliver(opts, io)),
      ),
    );
  program
    .command('retry')
    .description(
      're-run a delivery that failed after its 202 (POST /api/deliveries/:id/retry, with DISPATCHD_ADMIN_TOKEN)',
    )
    .argument('<delivery-id>', 'the audit trail id, <host>:<delivery id>, as GET /api/deliveries lists it')
    .option(...url)
    .action(
      action(io, (id: string, opts: { url?: string }) => import('./retry.js').then((m) => m.runRetry(id, opts, io))),
    );
  for (const verb of ['pause', 'resume'] as const) {
    const cmd = program
      .command(verb)
      .description(
        verb === 'pause'
          ? 'hold GitOps updates to one environment (pushes meanwhile are recorded)'
          : 'release a paused environment and apply its newest held push',
      )
      .argument('<gitops-repo>', '<host>:<owner/name> of the GitOps repository')
      .argument('<dir>', 'the environment directory, e.g. staging ("" for the repository root)')
      .option(...url);
    if (verb === 'pause')
      cmd.option('--reason <text>', 'shown with the pause').option('--by <name>', 'who paused (default $USER)');
    cmd.action(
      action(io, (repo: string, dir: string, opts: { url?: string; reason?: string; by?: string }) =>
        import('./environments.js').then((m) => m.runPauseResume(verb, repo, dir, opts, io)),
      ),
    );
  }
  program
    .command('rollback')
    .description(
      'hold an environment (as pause does) and propose an earlier source commit: by default the one before the current (docs/promotion.md)',
    )
    .argument('<gitops-repo>', '<host>:<owner/name> of the GitOps repository')
    .argument('<dir>', 'the environment directory, e.g. staging')
    .option('--to <commit>', '<host:owner/name>@<commit> of the source repository (or just the commit)')
    .option('--reason <text>', 'shown with the hold')
    .option('--by <name>', 'who rolled back (default $USER)')
    .option(...url)
    .action(
      action(io, (repo: string, dir: string, opts: { url?: string; to?: string; reason?: string; by?: string }) =>
        import('./rollback.js').then((m) => m.runRollback(repo, dir, opts, io)),
      ),
    );
  program
    .command('doctor')
    .description(
      "check the config, Redis, each host's credentials and repositories, and each registry; exit 1 if anything failed",
    )
    .option('--timeout <ms>', 'per check', '10000')
    .action(
      action(io, (opts: { timeout: string }) =>
        import('./doctor.js').then((m) => m.runDoctor({ timeoutMs: Number(opts.timeout) }, io)),
      ),
    );
}
