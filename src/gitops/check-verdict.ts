import type { CommitStatus } from '../scm/contracts.js';

export type CheckVerdict =
  | { verdict: 'green'; passed: string[] }
  | { verdict: 'pending'; waiting: string[] }
  | { verdict: 'failed'; failed: CommitStatus[] };

/**
 * Whether a head commit may be merged: every check that reported has succeeded and every
 * required context has reported. A failure or error anywhere is a failure, even while others
 * are pending: nothing is merged around it, and the comment can name it at once. With nothing
 * required and nothing reported, the head is green: that is what the SCMs' own auto-merge does
 * on a branch that requires no checks.
 */
export function checkVerdict(checks: CommitStatus[], required: string[]): CheckVerdict {
  const failed = checks.filter((c) => c.state === 'failure' || c.state === 'error');
  if (failed.length > 0) return { verdict: 'failed', failed };
  const reported = new Set(checks.map((c) => c.context));
  const waiting = [
    ...checks.filter((c) => c.state === 'pending').map((c) => c.context),
    ...required.filter((r) => !reported.has(r)),
  ];
  if (waiting.length > 0) return { verdict: 'pending', waiting };
  return { verdict: 'green', passed: checks.map((c) => c.context) };
}

/** "ci/tests (3 failed), lint" for a comment. */
export function describeFailed(failed: CommitStatus[]): string {
  return failed
    .map(
      (c) =>
        `\`${c.context}\` ${c.state === 'error' ? 'stopped' : 'failed'}${c.description ? ` (${c.description})` : ''}${c.targetUrl ? ` ${c.targetUrl}` : ''}`,
    )
    .join(', ');
}
