import { adminCall } from './admin-api.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface RollbackOptions {
  url?: string;
  to?: string;
  reason?: string;
  by?: string;
}

const TARGET = /^[^:\s]+:[^\s]+\/[^\s]+$/;
const TO = /^(?:[^:@\s]+:[^@\s]+@)?[0-9a-f]{7,64}$/;

/**
 * `dispatchd rollback <host:owner/repo> <dir> [--to <source repo>@<commit>]`: holds the
 * environment (as `dispatchd pause` does) and has a worker propose the earlier commit.
 */
export async function runRollback(repo: string, dir: string, opts: RollbackOptions, io: CliIo): Promise<number> {
  if (!TARGET.test(repo))
    throw new UsageError(`"${repo}" is not "<host>:<owner/name>" of a GitOps repository, e.g. github:acme/gitops`);
  if (opts.to !== undefined && !TO.test(opts.to))
    throw new UsageError(
      `--to ${opts.to}: give <host:owner/name>@<commit> of the source repository, e.g. github:acme/app@1a2b3c4, or just the commit`,
    );
  const by = opts.by ?? io.env.USER;
  const body = {
    repo,
    dir,
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(by ? { by } : {}),
  };
  const answer = await adminCall(io, opts.url, 'POST', '/api/environments/rollback', body);
  if (typeof answer === 'number') return answer;
  const env = `${repo} ${dir || '(repository root)'}`;
  io.out(`rolling back: ${env} to ${opts.to ?? 'the update before the current one'}; held until \`dispatchd resume\``);
  io.out('pushes and promotions meanwhile are recorded; GET /api/environments shows the rollback and its pull request');
  return EXIT.ok;
}
