import type { BitbucketBuildStatus } from '../bitbucket-build-status.js';
/**
 * A small typed client for the parts of Bitbucket Server / Data Center REST 1.0 that dispatchd
 * uses. Every call is one attempt: retrying is the job queue's decision, not the client's.
 */

export interface ServerErrorEntry {
  context?: string | null;
  message: string;
  exceptionName?: string | null;
  existingPullRequest?: ServerPull;
}

/** A failed call: HTTP status (absent when no response came), headers and Bitbucket's `errors`. */
export class ServerHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly headers: Record<string, string>,
    readonly errors: ServerErrorEntry[],
  ) {
    super(message);
    this.name = 'ServerHttpError';
  }

  exception(): string {
    return this.errors.map((e) => e.exceptionName ?? '').join(' ');
  }
}

export interface ServerRef {
  id: string;
  displayId: string;
  latestCommit?: string;
}

export interface ServerPull {
  id: number;
  version: number;
  title: string;
  description?: string;
  state: 'OPEN' | 'DECLINED' | 'MERGED';
  fromRef: ServerRef;
  toRef: ServerRef;
  reviewers?: { user: { name: string } }[];
  links?: { self?: { href: string }[] };
}

export interface ServerChange {
  type: string;
  path: { toString: string };
  srcPath?: { toString: string };
}

export type BuildState = 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED';

export interface ServerApiOptions {
  /** `${url}/rest/api/1.0`. */
  apiUrl: string;
  /** `${url}/rest/build-status/1.0`. */
  buildStatusUrl: string;
  authorization: string;
  timeoutMs?: number;
  /** Pages followed at most, so a runaway listing cannot loop forever. */
  maxPages?: number;
}

interface Page<T> {
  values: T[];
  isLastPage: boolean;
  nextPageStart?: number;
}

type Query = Record<string, string | number | undefined>;

export type ServerApi = ReturnType<typeof bitbucketServerApi>;

export function bitbucketServerApi(opts: ServerApiOptions) {
  const maxPages = opts.maxPages ?? 100;

  async function send(
    url: string,
    init: { method: string; query?: Query; body?: unknown; accept?: string },
  ): Promise<Response> {
    const u = new URL(url);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(u, {
        method: init.method,
        headers: {
          authorization: opts.authorization,
          accept: init.accept ?? 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          // Bitbucket refuses state-changing calls without it when XSRF protection is on.
          'x-atlassian-token': 'no-check',
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new ServerHttpError(`${init.method} ${u.pathname}: ${(err as Error).message}`, undefined, {}, []);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let errors: ServerErrorEntry[] = [];
    try {
      errors = (JSON.parse(text) as { errors?: ServerErrorEntry[] }).errors ?? [];
    } catch {
      // Proxies in front of Bitbucket answer HTML; the status alone must do.
    }
    const message = errors.map((e) => e.message).join('; ') || res.statusText || `HTTP ${res.status}`;
    throw new ServerHttpError(message, res.status, Object.fromEntries(res.headers.entries()), errors);
  }

  const json = async <T>(url: string, init: Parameters<typeof send>[1]): Promise<T> => {
    const res = await send(url, init);
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };

  /** Every page's values, or stops early at the first value `stop` accepts; `complete` is false when pages remained. */
  async function walk<T>(
    url: string,
    query: Query,
    stop?: (v: T) => boolean,
  ): Promise<{ all: T[]; found?: T; complete: boolean }> {
    const all: T[] = [];
    let start = 0;
    for (let n = 0; n < maxPages; n++) {
      const page = await json<Page<T>>(url, { method: 'GET', query: { ...query, start, limit: 100 } });
      const found = stop === undefined ? undefined : page.values.find(stop);
      if (found !== undefined) return { all, found, complete: true };
      all.push(...page.values);
      if (page.isLastPage || page.nextPageStart === undefined) return { all, complete: true };
      start = page.nextPageStart;
    }
    return { all, complete: false };
  }
  const pages = async <T>(url: string, query: Query): Promise<T[]> => (await walk<T>(url, query)).all;

  const repoUrl = (key: string, slug: string): string =>
    `${opts.apiUrl}/projects/${encodeURIComponent(key)}/repos/${encodeURIComponent(slug)}`;
  const pullUrl = (key: string, slug: string, id: number): string => `${repoUrl(key, slug)}/pull-requests/${id}`;

  return {
    /** File text at `at`; ServerHttpError 404 (NoSuchPathException) when absent. */
    async rawFile(key: string, slug: string, path: string, at: string): Promise<string> {
      const encoded = path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
      const res = await send(`${repoUrl(key, slug)}/raw/${encoded}`, { method: 'GET', query: { at }, accept: '*/*' });
      return res.text();
    },
    /** Changes on `from` that are not on `to` (from = the newer side); null past `maxPages` pages. */
    async compareChanges(key: string, slug: string, from: string, to: string): Promise<ServerChange[] | null> {
      const { all, complete } = await walk<ServerChange>(`${repoUrl(key, slug)}/compare/changes`, { from, to });
      return complete ? all : null;
    },
    /**
     * The branch whose id is exactly `ref` (`refs/heads/x`), or null. filterText matches any part
     * of a name, so pages are read until the exact one turns up; boostMatches puts it first.
     */
    async branch(key: string, slug: string, ref: string): Promise<ServerRef | null> {
      const filterText = ref.replace(/^refs\/heads\//, '');
      const { found } = await walk<ServerRef>(
        `${repoUrl(key, slug)}/branches`,
        { filterText, boostMatches: 'true' },
        (b) => b.id === ref,
      );
      return found ?? null;
    },
    /** The tag `name` (`latestCommit` peeled, `hash` the tag object); ServerHttpError 404 when absent. */
    tag: (key: string, slug: string, name: string): Promise<ServerRef> =>
      json<ServerRef>(`${repoUrl(key, slug)}/tags/${name.split('/').map(encodeURIComponent).join('/')}`, {
        method: 'GET',
      }),
    /** Whether `until` has a commit that `since` lacks: one commit asked for, not the list. */
    async hasCommitsBetween(key: string, slug: string, since: string, until: string): Promise<boolean> {
      const page = await json<Page<unknown>>(`${repoUrl(key, slug)}/commits`, {
        method: 'GET',
        query: { since, until, limit: 1 },
      });
      return page.values.length > 0;
    },
    /** `/default-branch` (7.21+), else the older `/branches/default`; null for an empty repository. */
    async defaultBranch(key: string, slug: string): Promise<ServerRef | null> {
      try {
        return (await json<ServerRef | undefined>(`${repoUrl(key, slug)}/default-branch`, { method: 'GET' })) ?? null;
      } catch (err) {
        if (!(
          err instanceof ServerHttpError &&
          err.status === 404 &&
          !/NoSuchRepository|NoSuchProject/.test(err.exception())
        ))
          throw err;
      }
      return (await json<ServerRef | undefined>(`${repoUrl(key, slug)}/branches/default`, { method: 'GET' })) ?? null;
    },
    pullRequests: (
      key: string,
      slug: string,
      q: { at: string; direction: 'INCOMING' | 'OUTGOING'; state: 'OPEN' | 'ALL' },
    ): Promise<ServerPull[]> => pages<ServerPull>(`${repoUrl(key, slug)}/pull-requests`, q),
    getPullRequest: (key: string, slug: string, id: number): Promise<ServerPull> =>
      json<ServerPull>(pullUrl(key, slug, id), { method: 'GET' }),
    createPullRequest(
      key: string,
      slug: string,
      input: { title: string; description: string; from: string; to: string },
    ): Promise<ServerPull> {
      const ref = (id: string) => ({ id, repository: { slug, project: { key } } });
      return json<ServerPull>(`${repoUrl(key, slug)}/pull-requests`, {
        method: 'POST',
        body: { title: input.title, description: input.description, fromRef: ref(input.from), toRef: ref(input.to) },
      });
    },
    /** PUT replaces the reviewer list too, so the caller passes the current one back. */
    updatePullRequest: (
      key: string,
      slug: string,
      id: number,
      body: { version: number; title: string; description: string; reviewers?: ServerPull['reviewers'] },
    ): Promise<ServerPull> => json<ServerPull>(pullUrl(key, slug, id), { method: 'PUT', body }),
    mergePullRequest: (
      key: string,
      slug: string,
      id: number,
      version: number,
      strategyId?: string,
    ): Promise<ServerPull> =>
      json<ServerPull>(`${pullUrl(key, slug, id)}/merge`, {
        method: 'POST',
        query: { version },
        ...(strategyId ? { body: { strategyId } } : {}),
      }),
    async addComment(key: string, slug: string, id: number, text: string): Promise<void> {
      await json<unknown>(`${pullUrl(key, slug, id)}/comments`, { method: 'POST', body: { text } });
    },
    /** Every build status on a commit (the build-status API pages like the core one). */
    buildStatuses: (sha: string): Promise<BitbucketBuildStatus[]> =>
      pages<BitbucketBuildStatus>(`${opts.buildStatusUrl}/commits/${encodeURIComponent(sha)}`, {}),
    async setBuildStatus(
      sha: string,
      status: { state: BuildState; key: string; name: string; url: string; description: string },
    ): Promise<void> {
      await send(`${opts.buildStatusUrl}/commits/${encodeURIComponent(sha)}`, { method: 'POST', body: status });
    },
  };
}
