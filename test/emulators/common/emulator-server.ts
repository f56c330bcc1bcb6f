import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGitServer, type GitServer } from '../../helpers/git-server.js';
import { createCallLog, type ApiCall } from './call-log.js';
import type { Fault, FaultFn } from './faults.js';
import { readBody, sendJson } from './http-io.js';
import { createRouter, type RouteDef } from './router.js';

export interface ApiRequest<P> {
  method: string;
  path: string;
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** Who authenticate() said is calling. */
  principal: P;
  /** Absolute URL of this request, for pagination links. */
  selfUrl: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (raw file contents); sent as is with `headers`. */
  raw?: Buffer | string;
}

/** Thrown by handlers to answer with an error response. */
export class ApiFailure extends Error {
  constructor(readonly response: ApiResponse) {
    super(`emulated API failure ${response.status}`);
  }
}

export type Handler<P> = (req: ApiRequest<P>) => ApiResponse | Promise<ApiResponse>;

/** What one SCM adds to the shared server: its routes, credentials and error shapes. */
export interface EmulatorSpec<P> {
  routes: RouteDef<Handler<P>>[];
  /** A principal, or the response refusing the request (401). */
  authenticate(headers: IncomingHttpHeaders, routeAuth: string | undefined): P | ApiFailure;
  /** May this `Authorization` header clone/push `fullName`? */
  gitAuth(authorization: string | undefined, fullName: string): boolean;
  /** The SCM's body and headers for an injected fault. */
  faultResponse(fault: Fault): ApiResponse;
  notFound(): ApiResponse;
  /** Headers every API response carries (rate limits). */
  commonHeaders?(principal: P | undefined, fault: Fault | undefined): Record<string, string>;
  /** After a git push to `fullName` (its bare repository's name): what the SCM does then (MR updates, webhooks). */
  onGitPush?(fullName: string): void;
}

export interface EmulatorBase {
  url: string;
  apiUrl: string;
  git: GitServer;
}

/** What every SCM emulator offers a test besides its own records (each emulator's interface extends it). */
export interface EmulatorServer extends EmulatorBase {
  calls: ApiCall[];
  /** Calls to one route, e.g. `POST /repos/{owner}/{repo}/pulls`; all API calls without one. */
  count(route?: string): number;
  setFaults(fn: FaultFn | undefined): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * One HTTP server on 127.0.0.1 serving git smart HTTP at `/<repo>.git` and an SCM's REST API under
 * `apiPrefix`, with latency, fault injection and call counting shared by every SCM emulator.
 * Order per API call: count → latency → injected fault → auth → handler, so a fault schedule sees
 * every call, authenticated or not.
 */
export async function startEmulatorServer<P>(
  apiPrefix: string,
  build: (base: EmulatorBase) => EmulatorSpec<P>,
  opts: {
    latencyMs?: number;
    /** API paths served outside `apiPrefix`, routed by their full path (GitHub Enterprise's `/api/graphql`). */
    outside?: readonly string[];
  } = {},
): Promise<EmulatorServer> {
  let latencyMs = opts.latencyMs ?? 0;
  let faults: FaultFn | undefined;
  const log = createCallLog();
  let spec: EmulatorSpec<P> | undefined;
  const git = await startGitServer({
    listen: false,
    auth: (a, fullName) => spec?.gitAuth(a, fullName) ?? false,
    onPush: (fullName) => spec?.onGitPush?.(fullName),
  });

  const http = createServer((req, res) => {
    git
      .handle(req, res)
      .then(async (handled) => {
        if (handled) return;
        const url = new URL(req.url ?? '/', base.url);
        const outside = opts.outside?.includes(url.pathname) ?? false;
        if (spec === undefined || (!outside && !url.pathname.startsWith(`${apiPrefix}/`))) {
          req.resume();
          sendJson(res, 404, {
            message: `Not Found: nothing is served at ${url.pathname}; the API is under ${apiPrefix}`,
          });
          return;
        }
        await answerApi(spec, url, req.method ?? 'GET', req.headers, await readBody(req), res);
      })
      .catch((e: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { message: `emulator bug: ${e instanceof Error ? e.stack : String(e)}` });
        else res.end();
      });
  });

  const answerApi = async (
    s: EmulatorSpec<P>,
    url: URL,
    method: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> => {
    const path = opts.outside?.includes(url.pathname) ? url.pathname : url.pathname.slice(apiPrefix.length);
    const match = router.match(method, path);
    const route = match?.route ?? `${method} (unmatched)`;
    const { n, seq } = log.next(route);
    const send = (r: ApiResponse, principal: P | undefined, fault?: Fault): void => {
      const headers = { ...s.commonHeaders?.(principal, fault), ...r.headers };
      log.calls.push({ method, path, route, status: r.status });
      if (r.raw !== undefined) {
        res.writeHead(r.status, { 'content-length': String(Buffer.byteLength(r.raw)), ...headers });
        res.end(r.raw);
      } else {
        sendJson(res, r.status, r.body, headers);
      }
    };
    if (latencyMs > 0) await sleep(latencyMs);
    const fault = faults?.({ method, route, n, seq });
    if (fault !== undefined) return send(s.faultResponse(fault), undefined, fault);
    const principal = s.authenticate(headers, match?.def.auth);
    if (principal instanceof ApiFailure) return send(principal.response, undefined);
    if (match === null) return send(s.notFound(), principal);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send({ status: 400, body: { message: 'Problems parsing JSON' } }, principal);
      }
    }
    try {
      send(
        await match.def.handler({
          method,
          path,
          route,
          params: match.params,
          query: url.searchParams,
          headers,
          body,
          principal,
          selfUrl: url.toString(),
        }),
        principal,
      );
    } catch (e) {
      if (e instanceof ApiFailure) send(e.response, principal);
      else throw e;
    }
  };

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  git.url = url;
  const base: EmulatorBase = { url, apiUrl: `${url}${apiPrefix}`, git };
  spec = build(base);
  const router = createRouter(spec.routes);

  return {
    ...base,
    calls: log.calls,
    count: log.count,
    setFaults: (fn) => {
      faults = fn;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await git.close();
    },
  };
}
