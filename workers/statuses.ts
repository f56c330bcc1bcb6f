import { TransientError } from '../src/core/errors.js';
import type { Logger } from '../src/log/logger.js';
import type { CommitStatus } from '../src/scm/contracts.js';
import type { Providers } from '../src/scm/providers.js';

/** Status context per task on the source commit. */
export const statusContext = (task: string) => `dispatchd/${task}`;

/** Passing faults on a status call are retried in place this many times, waits capped. */
const STATUS_ATTEMPTS = 4;
const MAX_STATUS_WAIT_MS = 10_000;

/**
 * Sets a commit status. A passing fault (5xx, 429 with Retry-After) is retried in place a few
 * times; past that, or on a permanent refusal, it is logged rather than failing the job: a status
 * is a report, and losing one must not undo (or redo) the GitOps change it reports on.
 */
export async function setStatus(providers: Providers, log: Logger, host: string, repo: string, sha: string, status: CommitStatus, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await providers.for(host).setStatus(repo, sha, status);
      return;
    } catch (err) {
      if (err instanceof TransientError && attempt < STATUS_ATTEMPTS) {
        await sleep(Math.min(err.retryAfterMs ?? 500 * 2 ** (attempt - 1), MAX_STATUS_WAIT_MS));
        continue;
      }
      log.warn({ err: (err as Error).message, host, repo, sha, context: status.context, attempts: attempt }, 'could not set commit status');
      return;
    }
  }
}
