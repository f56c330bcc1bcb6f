import { readFile } from 'node:fs/promises';
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
    throw new UsageError(`${path}: cannot read the payload (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass the path of a stored webhook body`);
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
    return { body: Buffer.from(JSON.stringify(request.payload)), parsed: request.payload, ...(typeof event === 'string' ? { event } : {}) };
  }
  return { body, parsed };
}

/**
 * `dispatchd replay <payload.json> --host <name>`: signs a stored payload with the host's webhook
 * secret as that SCM does and POSTs it to `/hooks/<name>`, with a new delivery id unless given
 * (the receiver drops a delivery id it has already seen). Exit 0 when the answer is 2xx.
 */
export async function runReplay(file: string, opts: ReplayOptions, io: CliIo): Promise<number> {
  const config = await requireConfig(io);
  const host = requireHost(config, opts.host);
  const secret = host.webhookSecret?.[0];
  if (!secret) throw new UsageError(`hosts.${opts.host}.webhookSecret is not set, so there is nothing to sign with; set it as on the SCM's webhook`);
  const base = serviceUrl(opts.url, io.env);
  const payload = await readPayload(file);
  const event = opts.event ?? payload.event ?? inferEvent(host.kind, payload.parsed);
  if (!event) throw new UsageError(`cannot tell which ${host.kind} event ${file} is; pass --event (e.g. --event ${host.kind === 'gitlab' ? '"Push Hook"' : host.kind.startsWith('bitbucket') ? 'repo:push' : 'push'})`);
  const signed = signedRequest(host.kind, payload.body, secret, { event, ...(opts.deliveryId ? { deliveryId: opts.deliveryId } : {}) });
  const deliveryId = signed.headers['x-github-delivery'] ?? signed.headers['x-gitlab-event-uuid'] ?? signed.headers['x-request-uuid'] ?? signed.headers['x-request-id'] ?? signed.headers['webhook-id'];
  const target = `${base}/hooks/${encodeURIComponent(opts.host)}`;
  io.err(`replaying ${file} to ${target} as ${host.kind} "${event}", delivery ${deliveryId}`);
  let res: Response;
  try {
    res = await fetch(target, { method: 'POST', headers: { ...signed.headers, 'user-agent': 'dispatchd-replay' }, body: new Uint8Array(signed.rawBody), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    io.err(`dispatchd replay: cannot reach ${target} (${networkReason(err)}): is dispatchd running there? Pass its address with --url`);
    return EXIT.failed;
  }
  const text = await res.text();
  io.out(`HTTP ${res.status} ${res.statusText}`);
  if (text) io.out(text);
  if (res.ok) return EXIT.ok;
  io.err(`dispatchd replay: the receiver answered ${res.status}${res.status === 401 ? ': the signature was refused, so the running dispatchd has a different webhookSecret for this host than DISPATCHD_CONFIG here' : ''}`);
  return EXIT.failed;
}
