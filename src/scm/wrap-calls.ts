import type { ScmProvider } from './contracts.js';

/** Runs one API call (`call`) of the method `name`: it may time it, refuse it, or look at its error. */
export type AroundCall = (name: string, call: () => Promise<unknown>) => Promise<unknown>;

/**
 * The provider with each of `apiMethods` (and each of its pull-request part's `pullMethods`) run
 * through `around`; everything else passes. Optional methods a kind does not have stay absent,
 * so callers can tell.
 */
export function wrapCalls(
  p: ScmProvider,
  apiMethods: readonly string[],
  pullMethods: readonly string[],
  around: AroundCall,
): ScmProvider {
  const wrapped = wrapMethods(p, apiMethods, around);
  if (p.pulls) Object.defineProperty(wrapped, 'pulls', { value: wrapMethods(p.pulls, pullMethods, around) });
  return wrapped;
}

function wrapMethods<T extends object>(target: T, names: readonly string[], around: AroundCall): T {
  const wrapped = Object.create(target) as T;
  const methods = target as unknown as Record<string, unknown>;
  for (const name of names) {
    if (typeof methods[name] !== 'function') continue;
    const original = methods[name] as (...a: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      around(name, () => original.apply(target, args));
  }
  return wrapped;
}
