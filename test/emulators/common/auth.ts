/** An `Authorization` header taken apart; SCM emulators decide what each scheme may do. */
export type Credential =
  { scheme: 'basic'; username: string; password: string } | { scheme: 'bearer' | 'token'; token: string };

export function parseAuthorization(header: string | undefined): Credential | undefined {
  if (header === undefined) return undefined;
  const m = /^(\w+)\s+(.+)$/.exec(header.trim());
  if (m === null) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const value = (m[2] ?? '').trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'bearer' || scheme === 'token') return { scheme, token: value };
  return undefined;
}

/** `Basic base64(user:password)`, as git's `http.extraHeader` wants it. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
