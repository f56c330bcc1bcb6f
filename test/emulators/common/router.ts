/**
 * Routes named as the SCMs' docs name them (`GET /repos/{owner}/{repo}/pulls`), so call counts
 * read like the docs. `{name}` matches one path segment; `{name+}` matches one or more (file
 * paths, `base...head` with slashes in branch names). Parameters arrive percent-decoded.
 */
export interface RouteDef<H> {
  method: string;
  pattern: string;
  handler: H;
  /** Which credential the route wants; the emulator's authenticate() interprets it. */
  auth?: string;
}

export interface RouteMatch<H> {
  def: RouteDef<H>;
  /** The documented route name, e.g. `GET /repos/{owner}/{repo}/contents/{path}`. */
  route: string;
  params: Record<string, string>;
}

interface Compiled<H> {
  def: RouteDef<H>;
  route: string;
  regex: RegExp;
  names: string[];
}

export interface Router<H> {
  match(method: string, pathname: string): RouteMatch<H> | null;
  /** Every documented route name this router serves. */
  routes: string[];
}

export function createRouter<H>(defs: RouteDef<H>[]): Router<H> {
  const compiled: Compiled<H>[] = defs.map((def) => {
    const names: string[] = [];
    const source = def.pattern.replace(/\{(\w+)(\+?)\}|[^{]+/g, (whole: string, name?: string, rest?: string) => {
      if (name === undefined) return whole.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(name);
      return rest === '+' ? '(.+?)' : '([^/]+)';
    });
    return {
      def,
      names,
      regex: new RegExp(`^${source}$`),
      route: `${def.method} ${def.pattern.replace(/\+\}/g, '}')}`,
    };
  });
  return {
    routes: compiled.map((c) => c.route),
    match(method, pathname) {
      for (const c of compiled) {
        if (c.def.method !== method) continue;
        const m = c.regex.exec(pathname);
        if (m === null) continue;
        const params: Record<string, string> = {};
        c.names.forEach((name, i) => {
          params[name] = safeDecode(m[i + 1] ?? '');
        });
        return { def: c.def, route: c.route, params };
      }
      return null;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
