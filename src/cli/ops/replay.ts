import { readFile } from 'node:fs/promises';
import type { DispatchdConfig, HostConfig } from '../../config/schema.js';
import { createWebhookParsers } from '../../scm/parsers.js';
import { signedRequest } from '../../scm/sign-request.js';
import { requireConfig, requireHost } from './config.js';
import { inferEvent } from './infer-event.js';
import { EXIT, networkReason, serviceUrl, UsageError, type CliIo } from './io.js';

export interface ReplayOptions {
  host: string;
  url?: string;
  deliveryId?: string;
  event?: string;
}

// The SCMs give a receiver 10 s; a replay waits a little longer to report a slow answer.
const TIMEOUT_MS = 15_000;

/**
 * Reads the body to send. A file holding a GitHub delivery as its API shows it
 * (`{request: {headers, payload}}`) is unwrapped, and its event header kept; any other file is
 * sent byte for byte, so the signature covers exactly what was stored.
 */
async function readPayload(path: string): Promise<{ body: Buffer; parsed: unknown; event?: string }> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (err) {
    throw new UsageError(
      `${path}: cannot read the payload (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass the path of a stored webhook body`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new UsageError(`${path} is not JSON (${(err as Error).message}); replay sends JSON webhook bodies`);
  }
  const request = (parsed as { request?: { headers?: Record<string, unknown>; payload?: unknown } } | null)?.request;
  if (request?.payload !== undefined && typeof request.payload === 'object') {
    const event = request.headers?.['X-GitHub-Event'] ?? request.headers?.['x-github-event'];
    return {
      body: Buffer.from(JSON.stringify(request.payload)),
      parsed: request.payload,
      ...(typeof event === 'string' ? { event } : {}),
    };
  }
  return { body, parsed };
}

/**
 * The secret the SCM would have signed with: the repository's own when the config gives the
 * payload's repository one (the receiver then refuses the host's), else the host's.
 */
function signingSecret(
  config: DispatchdConfig,
  hostName: string,
  host: HostConfig,
  body: Buffer,
  event: string,
): string | undefined {
  let repo: string | undefined;
  try {
    const req = signedRequest(host.kind, body, 'unsigned', { event });
    const parsed = createWebhookParsers()[host.kind].parse(req, {
      hostName,
      hostUrl: host.url,
      secrets: [],
      now: Date.now(),
    });
    if (parsed.kind === 'push') repo = parsed.events[0]?.repo.fullName;
  } catch {
    // A body the parser refuses is sent anyway: the receiver's answer says what is wrong with it.
  }
  const own = config.repositories.find((r) => r.host === hostName && r.repo === repo && r.webhookSecret)?.webhookSecret;
  return (own ?? host.webhookSecret)?.[0];
}

/** Why the answer was refused, from its `error` code: the admin token, or the signature. */
function refusal(status: number, text: string, host: string): string {
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    /* not JSON */
  }
  if (code === 'missing_token' || code === 'bad_token')
    return ': the admin token was refused; DISPATCHD_ADMIN_TOKEN here is not the one dispatchd was started with';
  if (code === 'admin_disabled')
    return ': the running dispatchd has no DISPATCHD_ADMIN_TOKEN, so its admin API (and replay) is off';
  if (status === 401)
    return `: the signature was refused, so the running dispatchd has a different webhookSecret for host ${host} (or the repository) than DISPATCHD_CONFIG here`;
  return '';
}

/**
 * `dispatchd replay <payload.json> --host <name>`: signs a stored payload with the webhook secret
 * as that SCM does and POSTs it to the admin API's `/api/replay/<name>` with the admin token,
 * with a new delivery id unless given (a delivery id seen before is still dropped). Through the
 * admin API the receiver skips its replay check (same body under a new delivery id), since
 * resending that body is the point. Exit 0 when the answer is 2xx.
 */
export async function runReplay(file: string, opts: ReplayOptions, io: CliIo): Promise<number> {
  const config = await requireConfig(io);
  const host = requireHost(config, opts.host);
  const token = io.env.DISPATCHD_ADMIN_TOKEN;
  if (!token)
    throw new UsageError(
      'dispatchd replay sends through the admin API (POST /api/replay/<host>), which needs DISPATCHD_ADMIN_TOKEN: export the admin token dispatchd was started with',
    );
  const base = serviceUrl(opts.url, io.env);
  const payload = await readPayload(file);
  const event = opts.event ?? payload.event ?? inferEvent(host.kind, payload.parsed);
  if (!event)
    throw new UsageError(
      `cannot tell which ${host.kind} event ${file} is; pass --event (e.g. --event ${host.kind === 'gitlab' ? '"Push Hook"' : host.kind.startsWith('bitbucket') ? 'repo:push' : 'push'})`,
    );
  const secret = signingSecret(config, opts.host, host, payload.body, event);
  if (!secret)
    throw new UsageError(
      `hosts.${opts.host}.webhookSecret is not set, so there is nothing to sign with; set it as on the SCM's webhook`,
    );
  const signed = signedRequest(host.kind, payload.body, secret, {
    event,
    ...(opts.deliveryId ? { deliveryId: opts.deliveryId } : {}),
  });
  const deliveryId =
    signed.headers['x-github-delivery'] ??
    signed.headers['x-gitlab-event-uuid'] ??
    signed.headers['x-request-uuid'] ??
    signed.headers['x-request-id'] ??
    signed.headers['webhook-id'];
  const target = `${base}/api/replay/${encodeURIComponent(opts.host)}`;
  io.err(`replaying ${file} to ${target} as ${host.kind} "${event}", delivery ${deliveryId}`);
  let res: Response;
  try {
    const headers = { ...signed.headers, authorization: `Bearer ${token}`, 'user-agent': 'dispatchd-replay' };
    res = await fetch(target, {
      method: 'POST',
      headers,
      body: new Uint8Array(signed.rawBody),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    io.err(
      `dispatchd replay: cannot reach ${target} (${networkReason(err)}): is dispatchd running there? Pass its address with --url`,
    );
    return EXIT.failed;
  }
  const text = await res.text();
  io.out(`HTTP ${res.status} ${res.statusText}`);
  if (text) io.out(text);
  if (res.ok) return EXIT.ok;
  io.err(`dispatchd replay: dispatchd answered ${res.status}${refusal(res.status, text, opts.host)}`);
  return EXIT.failed;
}
