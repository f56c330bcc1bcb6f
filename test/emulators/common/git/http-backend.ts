import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface GitRequestPath {
  /** `owner/repo` (or `group/sub/repo`), without `.git`. */
  fullName: string;
  /** What follows `<repo>.git`, e.g. `/info/refs`. */
  rest: string;
  /** `git-receive-pack` for pushes, `git-upload-pack` for fetches. */
  service: 'git-upload-pack' | 'git-receive-pack' | 'dumb';
}

const SMART_PATH = /^\/(.+?)\.git(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+))$/;

/** Recognises a smart-HTTP git URL path; null for anything else (the API, web pages). */
export function parseGitPath(pathname: string, query: URLSearchParams): GitRequestPath | null {
  const m = SMART_PATH.exec(pathname);
  if (m === null) return null;
  const fullName = decodeURIComponent(m[1] ?? '');
  const rest = m[2] ?? '';
  if (fullName.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return null;
  const named = rest === '/info/refs' ? query.get('service') : rest.slice(1);
  const service = named === 'git-receive-pack' || named === 'git-upload-pack' ? named : 'dumb';
  return { fullName, rest, service };
}

export interface CgiResult {
  status: number;
  /** Request body bytes git read (after gzip), so callers can tell a real push from a probe. */
  bodyBytes: number;
}

/**
 * Answers one smart-HTTP request by running `git http-backend` as a CGI program: the request body
 * streams into its stdin (un-gzipped here, since git clients gzip large fetch negotiations) and its
 * CGI headers, including `Status:`, become the HTTP response.
 */
export function serveGitHttp(
  root: string,
  path: GitRequestPath,
  req: IncomingMessage,
  res: ServerResponse,
  remoteUser: string,
): Promise<CgiResult> {
  const url = new URL(req.url ?? '/', 'http://rig');
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${path.fullName}.git${path.rest}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_PROTOCOL: headerValue(req.headers['git-protocol']),
  };
  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let bodyBytes = 0;
    let status = 200;
    let stderr = '';
    const input: Readable = /gzip/i.test(headerValue(req.headers['content-encoding']) ?? '')
      ? req.pipe(createGunzip())
      : req;
    input.on('data', (c: Buffer) => {
      bodyBytes += c.length;
    });
    input.on('error', () => child.kill());
    input.pipe(child.stdin);
    child.stdin.on('error', () => undefined); // git may answer before reading everything
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });

    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const split = findHeaderEnd(head);
      if (split === null) return;
      headersDone = true;
      const { headers, code } = parseCgiHeaders(head.subarray(0, split.at).toString('latin1'));
      status = code;
      res.writeHead(status, headers);
      res.write(head.subarray(split.at + split.length));
    });
    child.on('error', (e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`could not run git http-backend: ${e.message}\n`);
      resolve({ status: 500, bodyBytes });
    });
    child.on('close', (code) => {
      if (!headersDone) {
        status = 500;
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.write(`git http-backend exited ${code} without a response: ${stderr.trim()}\n`);
      }
      res.end();
      resolve({ status, bodyBytes });
    });
  });
}

function findHeaderEnd(buf: Buffer): { at: number; length: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf !== -1) return { at: lf, length: 2 };
  return null;
}

function parseCgiHeaders(text: string): { headers: Record<string, string>; code: number } {
  const headers: Record<string, string> = {};
  let code = 200;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') code = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { headers, code };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
