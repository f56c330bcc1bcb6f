import { adminCall } from './admin-api.js';
import { EXIT, type CliIo } from './io.js';

/**
 * `dispatchd retry <delivery id>`: re-runs a delivery that failed after its 202, at whatever stage
 * (plan, push job past its retry horizon, GitOps update): a new push job plans the ref's tip as it
 * is now. The id is the audit trail's (`<host>:<SCM delivery id>`, as `GET /api/deliveries` lists
 * it); a bare SCM delivery id is taken as given, so the API's 404 names the way to list them.
 */
export async function runRetry(id: string, opts: { url?: string }, io: CliIo): Promise<number> {
  const answer = await adminCall(io, opts.url, 'POST', `/api/deliveries/${encodeURIComponent(id)}/retry`);
  if (typeof answer === 'number') return answer;
  const b = answer.body as { jobId?: string; ref?: string; repo?: string; retry?: number; pullRequest?: number };
  const what =
    b.pullRequest !== undefined && b.repo
      ? `: it plans pull request #${b.pullRequest} of ${b.repo} as it is now (its head's tip, the base tip's Dispatchfile)`
      : b.ref && b.repo
        ? `: it plans the tip of ${b.ref} of ${b.repo} as it is now`
        : '';
  io.out(
    `queued a retry of ${id}${b.jobId ? ` (job ${b.jobId})` : ''}${what}; follow it with GET /api/deliveries/${encodeURIComponent(id)} or the dashboard`,
  );
  return EXIT.ok;
}
