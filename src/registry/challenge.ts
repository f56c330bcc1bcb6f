/** One authentication challenge from a `WWW-Authenticate` header (RFC 7235). */
export interface Challenge {
  /** Lower-cased scheme: "bearer", "basic", … */
  scheme: string;
  params: Record<string, string>;
}

// auth-param = token "=" ( token / quoted-string ); quoted strings may hold "," and "\"".
const PARAM = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/;
const SCHEME = /^\s*,?\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?=\s|$|,)/;

/**
 * Parses every challenge in a header value such as
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
 * Unknown schemes are kept so the caller can say which one it met.
 */
export function parseChallenges(header: string | null): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header ?? '';
  while (rest.trim() !== '') {
    const scheme = SCHEME.exec(rest);
    if (!scheme) break;
    rest = rest.slice(scheme[0].length);
    const params: Record<string, string> = {};
    for (;;) {
      const param = PARAM.exec(rest);
      if (!param) break;
      // A bare token followed by "=" is a param; a token followed by a space starts the next challenge.
      params[param[1]!.toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
      rest = rest.slice(param[0].length);
    }
    challenges.push({ scheme: scheme[1]!.toLowerCase(), params });
  }
  return challenges;
}
