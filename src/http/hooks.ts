import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { boundEvent, boundReview } from '../core/event-bounds.js';
import { DispatchError } from '../core/errors.js';
import type { PushEvent } from '../core/push-event.js';
import type { DispatchdConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Inbox } from '../queue/inbox.js';
import { firstHeader } from '../scm/contracts.js';
import type { WebhookParsers } from '../scm/parsers.js';
import type { WebhookContext, WebhookRequest } from '../scm/contracts.js';
import { checkGitlabHeaders } from '../scm/gitlab/verify.js';
import { readRawBody } from './raw-body.js';
import { reviewIgnoredBecause } from './review-routing.js';
import { sendJson } from './respond.js';
import { webhookSecrets } from './webhook-secrets.js';

export interface HookDeps {
  config: DispatchdConfig;
  inbox: Inbox;
  parsers: WebhookParsers;
  log: Logger;
  now?: () => number;
  /**
   * Called once per request with its outcome, for metrics and the audit trail. `replays`: the
   * events dropped because their signed body came before under another delivery id (`of`).
   */
  observe?: (o: { host: string; outcome: string; status: number; events?: PushEvent[]; replays?: Replay[] }) => void;
}

export interface Replay {
  event: PushEvent;
  /** The delivery id that first brought the same body. */
  of: string;
}

export interface HookOptions {
  /**
   * `POST /api/replay/<host>` (admin token): an operator's deliberate resend skips the check of
   * the body against recent deliveries. The signature and delivery-id dedupe still apply.
   */
  operatorReplay?: boolean;
}

type Outcome = {
  status: number;
  outcome: string;
  body: Record<string, unknown>;
  events?: PushEvent[];
  replays?: Replay[];
};

/**
 * The metric and log label of a request to `/hooks/<name>` naming no configured host: anyone can
 * send those, so the name they chose must not mint a metric series or a log field of its own.
 */
export const UNKNOWN_HOST_LABEL = 'unknown';

/**
 * `POST /hooks/<host>` on plain node:http: the SCMs time out after 10 s and this path carries
 * every push, so it does not pay for Express's router (docs/architecture.md, "Data flow", has the measured cost).
 */
export function createHookHandler(deps: HookDeps) {
  const now = deps.now ?? Date.now;
  const served = (host: string, repo: string) =>
    deps.config.repositories.some((r) => r.host === host && r.repo === repo);
  const secrets = webhookSecrets(deps.config);

  async function handle(hostName: string, req: IncomingMessage, opts: HookOptions): Promise<Outcome> {
    const host = Object.hasOwn(deps.config.hosts, hostName) ? deps.config.hosts[hostName] : undefined;
    if (!host) {
      // Names no configured host (nor the name asked for): the endpoint is public.
      return {
        status: 404,
        outcome: 'unknown_host',
        body: { error: 'unknown_host', message: 'no such webhook endpoint; see docs/scm.md' },
      };
    }
    if (req.method !== 'POST')
      return { status: 405, outcome: 'method', body: { error: 'method_not_allowed', message: 'webhooks are POSTed' } };
    const parser = deps.parsers[host.kind];
    if (!parser)
      return {
        status: 501,
        outcome: 'unsupported',
        body: { error: 'unsupported_kind', message: `host kind ${host.kind} has no webhook parser in this build` },
      };
    const headers = lowerHeaders(req);
    const hostSecrets = secrets[hostName]!;
    const ctx: WebhookContext = { hostName, hostUrl: host.url, secrets: hostSecrets.secrets, now: now() };
    // A token-only SCM proves nothing with the body: refuse a wrong token before reading a byte
    // of it (the parser checks it again below, with any body signature).
    if (host.kind === 'gitlab') checkGitlabHeaders(headers, ctx);
    const rawBody = await readRawBody(req, host.maxBodyBytes ?? deps.config.maxBodyBytes);
    const request: WebhookRequest = { headers, rawBody };
    const matched = parser.verify(request, ctx);
    const parsed = parser.parse(request, ctx);
    if (parsed.kind === 'ping')
      return { status: 200, outcome: 'ping', body: { status: 'pong', message: parsed.message } };
    if (parsed.kind === 'ignored')
      return { status: 200, outcome: 'ignored', body: { status: 'ignored', reason: parsed.reason } };
    // Once per request: the events of one body share it and the inbox keys them by index.
    const digestOf = () =>
      opts.operatorReplay
        ? undefined
        : createHash('sha256').update(hostName).update('\0').update(rawBody).digest('hex');
    if (parsed.kind === 'review') {
      const bodyDigest = digestOf();
      hostSecrets.check(matched, parsed.event.repo.fullName);
      const reason = reviewIgnoredBecause(deps.config, hostName, parsed.event);
      if (reason) return { status: 202, outcome: 'ignored', body: { status: 'ignored', reason } };
      const r = await deps.inbox.accept([boundReview(parsed.event)], bodyDigest ? { bodyDigest } : {});
      const outcome = r.queued.length > 0 ? 'queued' : 'duplicate';
      return { status: 202, outcome, body: { status: outcome, queued: r.queued, duplicates: r.duplicates } };
    }
    // Before anything is filtered: a repository's secret speaks for that repository only.
    for (const e of parsed.events) hostSecrets.check(matched, e.repo.fullName);
    const wanted = parsed.events.filter((e) => !e.deleted && served(hostName, e.repo.fullName)).map(boundEvent);
    if (wanted.length === 0) {
      const e = parsed.events[0];
      const reason = !e
        ? 'the push names no refs'
        : e.deleted
          ? `${e.ref} was deleted: a deletion starts no task`
          : `repository ${e.repo.fullName} is not in the config's repositories for host ${hostName}: add it to have its pushes handled`;
      return { status: 202, outcome: 'ignored', body: { status: 'ignored', reason } };
    }
    const bodyDigest = digestOf();
    const result = await deps.inbox.accept(wanted, bodyDigest ? { bodyDigest } : {});
    const outcome = result.queued.length > 0 ? 'queued' : 'duplicate';
    const replays = result.replays.map((r) => ({
      event: wanted.find((e) => e.deliveryId === r.deliveryId)!,
      of: r.of,
    }));
    const body: Record<string, unknown> = { status: outcome, queued: result.queued, duplicates: result.duplicates };
    if (replays.length > 0) {
      body.replays = result.replays;
      body.reason =
        `the same signed body was delivered before as ${result.replays.map((r) => r.of).join(', ')} ` +
        `(within replayWindow): a replay adds nothing; resend on purpose with "dispatchd replay"`;
    }
    return { status: 202, outcome, events: wanted, body, ...(replays.length > 0 ? { replays } : {}) };
  }

  return async function hookHandler(
    requestedName: string,
    req: IncomingMessage,
    res: ServerResponse,
    opts: HookOptions = {},
  ): Promise<void> {
    const started = performance.now();
    const hostName = Object.hasOwn(deps.config.hosts, requestedName) ? requestedName : UNKNOWN_HOST_LABEL;
    let o: Outcome;
    try {
      o = await handle(requestedName, req, opts);
    } catch (err) {
      if (err instanceof DispatchError && err.status < 500) {
        o = { status: err.status, outcome: err.code, body: { error: err.code, message: err.message } };
      } else if (err instanceof DispatchError) {
        o = { status: 503, outcome: err.code, body: { error: err.code, message: err.message } };
      } else {
        deps.log.error({ err, host: hostName }, 'webhook handling failed');
        o = {
          status: 500,
          outcome: 'internal',
          body: { error: 'internal', message: 'internal error; the delivery was not stored: redeliver it' },
        };
      }
    }
    const kind = Object.hasOwn(deps.config.hosts, hostName) ? deps.config.hosts[hostName]!.kind : undefined;
    const deliveryId = kind ? firstHeader(req.headers, deps.parsers[kind].headers.delivery) : undefined;
    // Accepted deliveries are in the audit trail and the metrics; a log line each (with pino's
    // redaction) cost ~17 % of the receiver's CPU in `npm run bench`, so they log at debug.
    // Refusals and replayed bodies are what an operator needs to see, so they stay at info.
    const level = o.status < 300 && !o.replays ? 'debug' : 'info';
    deps.log[level](
      {
        host: hostName,
        deliveryId,
        status: o.status,
        outcome: o.outcome,
        ...(o.replays ? { replayOf: o.replays.map((r) => r.of) } : {}),
        ...(opts.operatorReplay ? { operatorReplay: true } : {}),
      },
      'webhook',
    );
    deps.observe?.({
      host: hostName,
      outcome: o.outcome,
      status: o.status,
      ...(o.events ? { events: o.events } : {}),
      ...(o.replays ? { replays: o.replays } : {}),
    });
    // Server-Timing: how long dispatchd itself took, so "503 within 2 s" is checked where it is
    // promised, not through a busy client's clock.
    const headers: Record<string, string> = { 'server-timing': `hook;dur=${(performance.now() - started).toFixed(1)}` };
    if (o.status === 503) headers['retry-after'] = '5';
    // Refused before (or while) reading the body: close the connection after the answer rather
    // than read the rest of an upload nobody wants (Node would otherwise drain it for keep-alive).
    if (!req.complete) headers.connection = 'close';
    sendJson(res, o.status, o.body, headers);
  };
}

function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
