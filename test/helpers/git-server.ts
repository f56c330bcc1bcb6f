import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as repo from '../emulators/common/git/bare-repo.js';
import { parseGitPath, serveGitHttp } from '../emulators/common/git/http-backend.js';
import { commitFiles } from '../emulators/common/git/write-commit.js';

export interface GitServer {
  /** `http://127.0.0.1:PORT`; repo "o/r" is at `${url}/o/r.git`. Set by the host when embedded. */
  url: string;
  root: string;
  createRepo(
    fullName: string,
    opts?: { defaultBranch?: string; files?: Record<string, string>; message?: string },
  ): Promise<string>;
  /** Commits on `branch` (created from the default branch when missing); `null` deletes a file. */
  commit(
    fullName: string,
    branch: string,
    files: Record<string, string | null>,
    message?: string,
    author?: { name: string; email: string },
  ): Promise<string>;
  deleteBranch(fullName: string, branch: string): Promise<void>;
  readFile(fullName: string, ref: string, path: string): Promise<string | null>;
  revParse(fullName: string, ref: string): Promise<string | null>;
  log(fullName: string, ref: string, max?: number): Promise<{ sha: string; message: string; author: string }[]>;
  changedPaths(
    fullName: string,
    base: string,
    head: string,
  ): Promise<{ path: string; status: 'added' | 'modified' | 'removed' | 'renamed' }[]>;
  branches(fullName: string): Promise<string[]>;
  bareDir(fullName: string): string;
  /** Whether `fullName` has been created. */
  exists(fullName: string): Promise<boolean>;
  /** For embedding in an emulator on the same port: returns true when it handled the request. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Count of receive-pack POSTs that carried a push (git's empty auth probes are not counted). */
  pushes: number;
  /** Count of upload-pack ref advertisements served: each fetch, clone or ls-remote asks for one first. */
  fetches: number;
  close(): Promise<void>;
}

export interface GitServerOptions {
  /** Decides whether a request may touch `fullName`; absent = everyone may read and push. */
  auth?: (authorization: string | undefined, fullName: string) => boolean;
  /** false: no listening socket, the caller embeds `handle()` in its own server. Default true. */
  listen?: boolean;
  /** Base URL to report when embedded (`listen: false`). */
  url?: string;
  /** Called after a push over HTTP has updated `fullName` (an SCM's own post-receive work). */
  onPush?: (fullName: string) => void;
}

const VALID_NAME = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)+$/;

/** Bare repositories in a temp dir, served over smart HTTP by `git http-backend`. */
export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'dispatchd-git-'));
  const bareDir = (fullName: string): string => {
    if (!VALID_NAME.test(fullName) || fullName.split('/').includes('..')) {
      throw new Error(`git server: "${fullName}" is not a repository name like "owner/repo"`);
    }
    return join(root, `${fullName}.git`);
  };
  const exists = async (fullName: string): Promise<boolean> => {
    try {
      return (await stat(join(bareDir(fullName), 'HEAD'))).isFile();
    } catch {
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://rig');
    const path = parseGitPath(url.pathname, url.searchParams);
    if (path === null) return false;
    const authorization = req.headers.authorization;
    if (opts.auth !== undefined && !opts.auth(authorization, path.fullName)) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="dispatchd test git"', 'content-type': 'text/plain' });
      res.end(`authentication required for ${path.fullName}: send a valid credential\n`);
      return true;
    }
    if (!VALID_NAME.test(path.fullName) || !(await exists(path.fullName))) {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`repository ${path.fullName} not found\n`);
      return true;
    }
    if (req.method === 'GET' && path.service === 'git-upload-pack') server.fetches += 1;
    const result = await serveGitHttp(root, path, req, res, remoteUser(authorization));
    // An empty probe ("0000") precedes large chunked pushes; only a real pack counts.
    if (req.method === 'POST' && path.service === 'git-receive-pack' && result.bodyBytes > 4 && result.status === 200) {
      server.pushes += 1;
      opts.onPush?.(path.fullName);
    }
    return true;
  };

  let http: ReturnType<typeof createServer> | undefined;
  let baseUrl = opts.url ?? '';
  if (opts.listen !== false) {
    http = createServer((req, res) => {
      handle(req, res)
        .then((handled) => {
          if (!handled) {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('not a git smart-HTTP path; repositories are at /<owner>/<repo>.git\n');
          }
        })
        .catch((e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`git server error: ${String(e)}\n`);
        });
    });
    const listening = http;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  }

  const server: GitServer = {
    url: baseUrl,
    root,
    bareDir,
    exists,
    handle,
    pushes: 0,
    fetches: 0,
    async createRepo(fullName, o = {}) {
      if (await exists(fullName)) throw new Error(`git server: ${fullName} already exists`);
      const dir = bareDir(fullName);
      const branch = o.defaultBranch ?? 'main';
      await repo.initBare(dir, branch);
      const files = o.files ?? { 'README.md': `# ${fullName}\n` };
      return commitFiles(dir, branch, files, o.message ?? 'Initial commit');
    },
    commit: (fullName, branch, files, message, author) =>
      commitFiles(bareDir(fullName), branch, files, message, author),
    deleteBranch: (fullName, branch) => repo.deleteBranch(bareDir(fullName), branch),
    async readFile(fullName, ref, path) {
      const blob = await repo.readBlob(bareDir(fullName), ref, path);
      return blob === null ? null : blob.toString('utf8');
    },
    revParse: (fullName, ref) => repo.revParse(bareDir(fullName), ref),
    async log(fullName, ref, max) {
      const entries = await repo.log(bareDir(fullName), ref, max);
      return entries.map(({ sha, message, author }) => ({ sha, message, author }));
    },
    async changedPaths(fullName, base, head) {
      const changes = await repo.changedPaths(bareDir(fullName), base, head);
      return changes.map(({ path, status }) => ({ path, status }));
    },
    branches: (fullName) => repo.branches(bareDir(fullName)),
    async close() {
      if (http !== undefined) {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http?.close(() => resolve()));
      }
      await rm(root, { recursive: true, force: true });
    },
  };
  return server;
}

// http-backend enables receive-pack only for an authenticated REMOTE_USER; the rig's own auth
// callback has already decided, so any non-empty name will do.
function remoteUser(authorization: string | undefined): string {
  const m = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (m?.[1] !== undefined) {
    const user = Buffer.from(m[1], 'base64').toString('utf8').split(':')[0];
    if (user !== undefined && user !== '') return user;
  }
  return 'rig';
}
