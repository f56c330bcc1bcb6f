import { adminCall } from './admin-api.js';
import { EXIT, type CliIo } from './io.js';

/**
 * `dispatchd retry <delivery id>`: re-runs a delivery that failed after its 202. The id is the
 * audit trail's (`<host>:<SCM delivery id>`, as `GET /api/deliveries` lists it); a bare SCM
 * delivery id is taken as given, so the API's 404 names the way to list them.
 */
export async function runRetry(id: string, opts: { url?: string }, io: CliIo): Promise<number> {
  const answer = await adminCall(io, opts.url, 'POST', `/api/deliveries/${encodeURIComponent(id)}/retry`);
  if (typeof answer === 'number') return answer;
  const b = answer.body as { jobId?: string };
  io.out(`queued a retry of ${id}${b.jobId ? ` (job ${b.jobId})` : ''}; follow it with GET /api/deliveries/${encodeURIComponent(id)} or the dashboard`);
  return EXIT.ok;
}
