/** One API call as the fault schedule sees it. */
export interface FaultCall {
  method: string;
  /** Documented route name, e.g. `POST /repos/{owner}/{repo}/pulls`. */
  route: string;
  /** 1-based count of calls to this route so far, this one included. */
  n: number;
  /** 1-based count of all API calls so far, this one included. */
  seq: number;
}

/**
 * What to answer instead of the real response. `retryAfterSec` adds `Retry-After`;
 * `rateLimitReset` makes it look like an exhausted rate limit (remaining 0, reset in
 * `retryAfterSec` or 60 s), which GitHub sends with 403 or 429.
 */
export interface Fault {
  status: number;
  retryAfterSec?: number;
  rateLimitReset?: boolean;
}

export type FaultFn = (call: FaultCall) => Fault | undefined;

export interface SeededFaultOptions {
  seed: number;
  /** Share of calls that fail, 0..1. */
  rate: number;
  /** Never more than this many faults in a row (across all routes). Default 3. */
  maxInARow?: number;
  /** Faults to draw from, equally likely. Default 500, 502, 503 and 429 with Retry-After 1. */
  kinds?: Fault[];
  /** Only these routes fail; default every route. */
  routes?: string[];
}

/**
 * A reproducible fault schedule (mulberry32 PRNG), so a failing run can be replayed from the
 * seed it logged.
 */
export function seededFaults(opts: SeededFaultOptions): FaultFn {
  let state = opts.seed >>> 0;
  let inARow = 0;
  const maxInARow = opts.maxInARow ?? 3;
  const kinds = opts.kinds ?? [{ status: 500 }, { status: 502 }, { status: 503 }, { status: 429, retryAfterSec: 1 }];
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (call) => {
    if (opts.routes !== undefined && !opts.routes.includes(call.route)) return undefined;
    const roll = next();
    const pick = next();
    if (roll >= opts.rate || inARow >= maxInARow) {
      inARow = 0;
      return undefined;
    }
    inARow += 1;
    return kinds[Math.floor(pick * kinds.length)];
  };
}
