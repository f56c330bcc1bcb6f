import { PermanentError } from '../core/errors.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { ScmProvider } from '../scm/contracts.js';

export type Direction = { move: true; why: 'first' | 'same' | 'descendant' | 'tip' } | { move: false; carried: string };

/**
 * An environment moves only forward: to a commit that descends from the one it carries, or to
 * its ref's current tip (after a force-push, or when another ref feeding it pushed last). Any
 * other spec is older than what the environment has, whatever order its webhooks arrived in.
 */
export async function mayMove(
  source: ScmProvider,
  spec: EnvUpdateSpec,
  carried: string | undefined,
): Promise<Direction> {
  if (!carried) return { move: true, why: 'first' };
  if (carried === spec.source.sha) return { move: true, why: 'same' };
  try {
    const { status } = await source.compare(spec.source.fullName, carried, spec.source.sha);
    if (status === 'ahead') return { move: true, why: 'descendant' };
  } catch (err) {
    // The carried commit is gone from the source (rewritten away): only the tip rule can decide.
    if (!(err instanceof PermanentError)) throw err;
  }
  const tip = await source.refTip(spec.source.fullName, spec.source.ref);
  return tip === spec.source.sha ? { move: true, why: 'tip' } : { move: false, carried };
}
