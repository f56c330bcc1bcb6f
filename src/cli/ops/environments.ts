import { adminCall } from './admin-api.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface PauseOptions {
  url?: string;
  reason?: string;
  by?: string;
}

const TARGET = /^[^:\s]+:[^\s]+\/[^\s]+$/;

/**
 * `dispatchd pause|resume <host:owner/repo> <dir>`: holds or releases GitOps updates to one
 * environment. Pushes that arrive while it is paused are recorded; resume applies the newest.
 */
export async function runPauseResume(
  action: 'pause' | 'resume',
  repo: string,
  dir: string,
  opts: PauseOptions,
  io: CliIo,
): Promise<number> {
  if (!TARGET.test(repo))
    throw new UsageError(`"${repo}" is not "<host>:<owner/name>" of a GitOps repository, e.g. github:acme/gitops`);
  const by = opts.by ?? io.env.USER;
  const body = {
    repo,
    dir,
    ...(action === 'pause' && opts.reason ? { reason: opts.reason } : {}),
    ...(action === 'pause' && by ? { by } : {}),
  };
  const answer = await adminCall(io, opts.url, 'POST', `/api/environments/${action}`, body);
  if (typeof answer === 'number') return answer;
  const b = answer.body as {
    status?: string;
    pause?: { at?: string; by?: string; reason?: string };
    queued?: string[];
  };
  const env = `${repo} ${dir || '(repository root)'}`;
  if (action === 'pause') {
    const since = b.pause?.at ? ` since ${b.pause.at}` : '';
    const who = b.pause?.by ? ` by ${b.pause.by}` : '';
    const why = b.pause?.reason ? ` (${b.pause.reason})` : '';
    io.out(`${b.status === 'already paused' ? 'already paused' : 'paused'}: ${env}${since}${who}${why}`);
    io.out('pushes that arrive meanwhile are recorded; `dispatchd resume` applies the newest');
  } else {
    const queued = b.queued ?? [];
    io.out(
      b.status === 'not paused'
        ? `not paused: ${env} (nothing to resume)`
        : `resumed: ${env}; ${queued.length} held update${queued.length === 1 ? '' : 's'} queued`,
    );
  }
  return EXIT.ok;
}
