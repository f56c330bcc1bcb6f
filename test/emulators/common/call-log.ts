export interface ApiCall {
  method: string;
  /** The request path as sent, without the query string. */
  path: string;
  /** Documented route name, or `<method> (unmatched)`. */
  route: string;
  status: number;
}

/** Every API call an emulator answered, in order, so tests can assert "at most 3 PR calls". */
export interface CallLog {
  readonly calls: ApiCall[];
  count(route?: string): number;
  /** Next per-route and global sequence numbers, for fault schedules. */
  next(route: string): { n: number; seq: number };
}

export function createCallLog(): CallLog {
  const calls: ApiCall[] = [];
  const perRoute = new Map<string, number>();
  let seq = 0;
  return {
    calls,
    count: (route) => (route === undefined ? calls.length : calls.filter((c) => c.route === route).length),
    next(route) {
      const n = (perRoute.get(route) ?? 0) + 1;
      perRoute.set(route, n);
      seq += 1;
      return { n, seq };
    },
  };
}
