import { dispatchfile } from '../fixtures.js';

/**
 * The suite's Dispatchfile: the GitOps tutorial's build + deploy, fired by pushes to staging or
 * production that touch `VERSION` or `src/**` (so a docs-only push must start nothing).
 */
export function scmDispatchfile(gitopsUrl: string, provider: string): string {
  return dispatchfile(gitopsUrl, provider, [], ['VERSION', 'src/**']);
}
