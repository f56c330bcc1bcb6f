import { PermanentError } from '../core/errors.js';
import type { EnvUpdateSpec } from '../core/env-update.js';
import type { ScmProvider } from '../scm/contracts.js';

export type Direction = { move: true; why: 'first' | 'same' | 'descendant' | 'tip' } | { move: false; carried: string };

/**
 * The source ref's tip, asked of the SCM while the mirror fetches (push → PR timeline,
 * docs/benchmark.md): a plan of the tip, the steady case, then needs no ancestry question at all.
 * Not for a rollback (it moves back by design) nor a promotion (its commit is rarely the
 * source's tip: the compare answers it in one call). A failed read is not an answer: `mayMove`
 * then asks in its own order and reports the SCM's error itself.
 */
export function readTipEarly(source: ScmProvider, spec: EnvUpdateSpec): Promise<string | null | undefined> | undefined {
  if (spec.rollback || spec.promotion) return undefined;
  return source.refTip(spec.source.fullName, spec.source.ref).catch(() => undefined);
}

/**
 * An environment moves only forward: to a commit that descends from the one it carries, or to
 * its ref's current tip (after a force-push, or when another ref feeding it pushed last). Any
 * other spec is older than what the environment has, whatever order its webhooks arrived in.
 * `earlyTip` (readTipEarly): the tip read beside the fetch; when it is the spec's commit, the
 * environment moves without asking the SCM about ancestry.
 */
export async function mayMove(
  source: ScmProvider,
  spec: EnvUpdateSpec,
  carried: string | undefined,
  earlyTip?: Promise<string | null | undefined>,
): Promise<Direction> {
  if (!carried) return { move: true, why: 'first' };
  if (carried === spec.source.sha) return { move: true, why: 'same' };
  const early = await earlyTip;
  if (early === spec.source.sha) return { move: true, why: 'tip' };
  try {
    const { status } = await source.compare(spec.source.fullName, carried, spec.source.sha);
    if (status === 'ahead') return { move: true, why: 'descendant' };
  } catch (err) {
    // The carried commit is gone from the source (rewritten away): only the tip rule can decide.
    if (!(err instanceof PermanentError)) throw err;
  }
  // Asked again: the early read (if any) said another commit, and the ref may have moved since.
  const tip = await source.refTip(spec.source.fullName, spec.source.ref);
  return tip === spec.source.sha ? { move: true, why: 'tip' } : { move: false, carried };
}
