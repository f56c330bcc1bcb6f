import { EXIT, networkReason, serviceUrl, type CliIo } from './io.js';

export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

const TIMEOUT_MS = 15_000;

/**
 * One call to dispatchd's admin API with `Authorization: Bearer $DISPATCHD_ADMIN_TOKEN`. Returns
 * the answer, or an exit code after saying on stderr what went wrong (unreachable, refused token,
 * or the API's own message, which already says what to do).
 */
export async function adminCall(
  io: CliIo,
  url: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<AdminAnswer | number> {
  const base = serviceUrl(url, io.env);
  const token = io.env.DISPATCHD_ADMIN_TOKEN;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dispatchd-cli' };
  // Without a token the call is still made: the offline demo answers loopback callers.
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    io.err(
      `dispatchd: cannot reach ${base} (${networkReason(err)}): is dispatchd running there? Pass its address with --url`,
    );
    return EXIT.failed;
  }
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { message: text.slice(0, 500) };
  }
  if (res.ok) return { status: res.status, body: parsed };
  const message = typeof parsed.message === 'string' ? parsed.message : text.slice(0, 500) || res.statusText;
  const hint =
    (res.status === 401 || res.status === 403) && !token
      ? ' (DISPATCHD_ADMIN_TOKEN is not set in this shell: export the token dispatchd was started with)'
      : '';
  io.err(`dispatchd: ${method} ${path} answered ${res.status}: ${message}${hint}`);
  return EXIT.failed;
}
