import type { Logger } from '../src/log/logger.js';
import type { CommitStatus } from '../src/scm/contracts.js';
import type { Providers } from '../src/scm/providers.js';

/** Status context per task on the source commit. */
export const statusContext = (task: string) => `dispatchd/${task}`;

/**
 * Sets a commit status, logging rather than failing when the SCM refuses: a status is a report,
 * and losing one must not undo (or redo) the GitOps change it reports on.
 */
export async function setStatus(providers: Providers, log: Logger, host: string, repo: string, sha: string, status: CommitStatus): Promise<void> {
  try {
    await providers.for(host).setStatus(repo, sha, status);
  } catch (err) {
    log.warn({ err: (err as Error).message, host, repo, sha, context: status.context }, 'could not set commit status');
  }
}
