/**
 * GitLab's pipeline status from its jobs' and external commit statuses' states: any failed →
 * failed; else any running → running; else any pending → pending; all success → success; none →
 * null (no pipeline). What is left (success beside canceled) is canceled.
 */
export function pipelineStatus(
  statuses: readonly { state: string }[],
): 'pending' | 'running' | 'success' | 'failed' | 'canceled' | null {
  if (statuses.length === 0) return null;
  const states = new Set(statuses.map((s) => s.state));
  if (states.has('failed')) return 'failed';
  if (states.has('running')) return 'running';
  if (states.has('pending')) return 'pending';
  return [...states].every((s) => s === 'success') ? 'success' : 'canceled';
}
