import { PermanentError, TransientError } from '../core/errors.js';
import type { CiGate, EnvUpdateSpec } from '../plan/spec.js';
import type { ScmProvider } from '../scm/contracts.js';

const names = (gates: CiGate[]) => gates.map((g) => `"${g.context}" (task ${g.task})`).join(', ');

/** One look found a gate's status missing or pending: look again later, within `ciWait` of the first look. */
export class CiPending extends TransientError {
  constructor(
    readonly waiting: CiGate[],
    readonly sha: string,
  ) {
    super('ci_pending', `waiting for your CI: ${names(waiting)} on ${sha.slice(0, 7)}`);
  }

  /** The error once `ciWait` is spent, saying what was waited for and what to change. */
  giveUp(waitedMs: number): PermanentError {
    const waited = waitedMs >= 60_000 ? `${Math.round(waitedMs / 60_000)} min` : `${Math.round(waitedMs / 1000)} s`;
    return new PermanentError(
      'ci_wait_spent',
      `waited ${waited} (ciWait) for your CI: no successful status ${names(this.waiting)} on ${this.sha.slice(0, 7)}; nothing was deployed. If your CI names the status otherwise, set repositories[].ciContexts; then push again`,
    );
  }
}

/**
 * The honest gate on CI: an update that depends on tasks dispatchd does not run goes ahead only
 * once each one's status on the source commit has succeeded. A failed one fails the update for
 * good, naming it; a missing or pending one throws CiPending (the worker delays the job).
 */
export async function checkCiGates(provider: ScmProvider, spec: EnvUpdateSpec): Promise<void> {
  const gates = spec.ciGates ?? [];
  if (gates.length === 0) return;
  const checks = new Map(
    (await provider.commitChecks(spec.source.fullName, spec.source.sha)).map((c) => [c.context, c]),
  );
  const failed = gates.filter((g) => ['failure', 'error'].includes(checks.get(g.context)?.state ?? ''));
  if (failed.length > 0) {
    const detail = failed
      .map(
        (g) =>
          `"${g.context}" (task ${g.task}) is ${checks.get(g.context)!.state}${checks.get(g.context)!.description ? `: ${checks.get(g.context)!.description}` : ''}`,
      )
      .join('; ');
    throw new PermanentError(
      'ci_failed',
      `your CI failed on ${spec.source.sha.slice(0, 7)}: ${detail}; nothing was deployed. Fix it and push again`,
    );
  }
  const waiting = gates.filter((g) => checks.get(g.context)?.state !== 'success');
  if (waiting.length > 0) throw new CiPending(waiting, spec.source.sha);
}
