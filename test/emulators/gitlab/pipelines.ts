/**
 * A commit's pipeline status as GitLab derives it from the commit's statuses (external commit
 * statuses are jobs of that pipeline), newest per name: any failed → failed; else any running →
 * running; else any pending → pending; all success → success; success mixed with canceled →
 * canceled; no status → no pipeline (null).
 */
export function pipelineStatus(
  statuses: readonly { state: string }[],
): 'pending' | 'running' | 'success' | 'failed' | 'canceled' | null {
  if (statuses.length === 0) return null;
  const has = (s: string) => statuses.some((x) => x.state === s);
  if (has('failed')) return 'failed';
  if (has('running')) return 'running';
  if (has('pending')) return 'pending';
  return statuses.every((x) => x.state === 'success') ? 'success' : 'canceled';
}
