import assert from 'node:assert/strict';
import type { ScmKind } from '../../src/core/push-event.js';
import { basicAuthorization } from './common/auth.js';
import { startBitbucketCloudEmulator } from './bitbucket-cloud/emulator.js';
import { startBitbucketServerEmulator, scmPath } from './bitbucket-server/emulator.js';
import { startGitlabEmulator } from './gitlab/emulator.js';

/**
 * For webhooks.test.ts: each SCM emulator driven through its own REST API as a user (or a CI, or
 * Argo CD) would drive the real SCM: hooks, pull requests, statuses.
 */
export const TOKEN = 'emulator-webhook-token';
export const SECRET = 'emulator-webhook-secret';

/** What one SCM's emulator offers a user: register a hook, open, update, merge and decline PRs, post a status. */
export interface Driver {
  kind: ScmKind;
  /** The repository as dispatchd names it. */
  repo: string;
  /** The header holding the event name. */
  eventHeader: string;
  addHook(url: string, events: string[]): Promise<Response>;
  /** Events to subscribe to: pull-request ones and (where the SCM has one) status ones. */
  events: string[];
  openPull(branch: string): Promise<number>;
  merge(n: number): Promise<void>;
  decline(n: number): Promise<void>;
  postStatus(sha: string, name: string, state: 'running' | 'success' | 'failure'): Promise<void>;
  /** Clone URL and the git config that authenticates a push. */
  gitUrl: string;
  gitAuth: string;
  git: {
    commit(repo: string, branch: string, files: Record<string, string>): Promise<string>;
    revParse(repo: string, ref: string): Promise<string | null>;
  };
  gitName: string;
  settled(): Promise<void>;
  close(): Promise<void>;
}

const json = (method: string, auth: Record<string, string>) => (url: string, body?: unknown) =>
  fetch(url, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function ok(res: Promise<Response>): Promise<Record<string, unknown>> {
  const r = await res;
  const text = await r.text();
  assert.ok(r.status < 300, `${r.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function gitlabDriver(): Promise<Driver> {
  const gl = await startGitlabEmulator({ token: TOKEN });
  const repo = 'acme/platform/gitops';
  await gl.git.createRepo(repo, { files: { 'README.md': '# gitops\n' } });
  const api = `${gl.apiUrl}/projects/${encodeURIComponent(repo)}`;
  const auth = { 'private-token': TOKEN };
  return {
    kind: 'gitlab',
    repo,
    eventHeader: 'x-gitlab-event',
    events: ['merge_requests_events', 'pipeline_events'],
    addHook: (url, events) =>
      json('POST', auth)(`${api}/hooks`, {
        url,
        token: SECRET,
        push_events: false,
        ...Object.fromEntries(events.map((e) => [e, true])),
      }),
    async openPull(branch) {
      const mr = await ok(
        json('POST', auth)(`${api}/merge_requests`, { source_branch: branch, target_branch: 'main', title: branch }),
      );
      return mr.iid as number;
    },
    merge: async (n) => void (await ok(json('PUT', auth)(`${api}/merge_requests/${n}/merge`))),
    decline: async (n) => void (await ok(json('PUT', auth)(`${api}/merge_requests/${n}`, { state_event: 'close' }))),
    postStatus: async (sha, name, state) =>
      void (await ok(
        json('POST', auth)(`${api}/statuses/${sha}`, { name, state: state === 'failure' ? 'failed' : state }),
      )),
    gitUrl: `${gl.url}/${repo}.git`,
    gitAuth: `Authorization: ${basicAuthorization('oauth2', TOKEN)}`,
    git: gl.git,
    gitName: repo,
    settled: () => gl.webhooksSettled(),
    close: () => gl.close(),
  };
}

export async function cloudDriver(): Promise<Driver> {
  const bb = await startBitbucketCloudEmulator({ token: TOKEN });
  const repo = 'acme/gitops';
  await bb.git.createRepo(repo, { files: { 'README.md': '# gitops\n' } });
  const api = `${bb.apiUrl}/repositories/${repo}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  return {
    kind: 'bitbucket-cloud',
    repo,
    eventHeader: 'x-event-key',
    events: [
      'pullrequest:created',
      'pullrequest:updated',
      'pullrequest:fulfilled',
      'pullrequest:rejected',
      'repo:commit_status_created',
      'repo:commit_status_updated',
    ],
    addHook: (url, events) =>
      json('POST', auth)(`${api}/hooks`, { description: 'dispatchd', url, active: true, secret: SECRET, events }),
    async openPull(branch) {
      const pr = await ok(
        json('POST', auth)(`${api}/pullrequests`, { title: branch, source: { branch: { name: branch } } }),
      );
      return pr.id as number;
    },
    merge: async (n) => void (await ok(json('POST', auth)(`${api}/pullrequests/${n}/merge`, {}))),
    decline: async (n) => void (await ok(json('POST', auth)(`${api}/pullrequests/${n}/decline`))),
    postStatus: async (sha, key, state) =>
      void (await ok(
        json('POST', auth)(`${api}/commit/${sha}/statuses/build`, {
          key,
          state: { running: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED' }[state],
          url: 'https://ci.example.com/1',
        }),
      )),
    gitUrl: `${bb.url}/${repo}.git`,
    gitAuth: `Authorization: ${basicAuthorization('x-token-auth', TOKEN)}`,
    git: bb.git,
    gitName: repo,
    settled: () => bb.webhooksSettled(),
    close: () => bb.close(),
  };
}

export async function serverDriver(): Promise<Driver> {
  const bb = await startBitbucketServerEmulator({ token: TOKEN });
  const repo = 'OPS/gitops';
  await bb.git.createRepo(repo, { files: { 'README.md': '# gitops\n' } });
  const api = `${bb.apiUrl}/projects/OPS/repos/gitops`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const version = async (n: number) => (await ok(json('GET', auth)(`${api}/pull-requests/${n}`))).version as number;
  return {
    kind: 'bitbucket-server',
    repo,
    eventHeader: 'x-event-key',
    events: ['pr:opened', 'pr:from_ref_updated', 'pr:merged', 'pr:declined'],
    addHook: (url, events) =>
      json('POST', auth)(`${api}/webhooks`, {
        name: 'dispatchd',
        url,
        active: true,
        events,
        configuration: { secret: SECRET },
      }),
    async openPull(branch) {
      const pr = await ok(
        json('POST', auth)(`${api}/pull-requests`, {
          title: branch,
          fromRef: { id: `refs/heads/${branch}` },
          toRef: { id: 'refs/heads/main' },
        }),
      );
      return pr.id as number;
    },
    merge: async (n) =>
      void (await ok(json('POST', auth)(`${api}/pull-requests/${n}/merge?version=${await version(n)}`, {}))),
    decline: async (n) =>
      void (await ok(json('POST', auth)(`${api}/pull-requests/${n}/decline?version=${await version(n)}`, {}))),
    postStatus: async (sha, key, state) =>
      void (await ok(
        json('POST', auth)(`${bb.url}/rest/build-status/1.0/commits/${sha}`, {
          key,
          state: { running: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED' }[state],
          url: 'https://ci.example.com/1',
        }),
      )),
    gitUrl: `${bb.url}/${scmPath(repo)}.git`,
    gitAuth: `Authorization: Bearer ${TOKEN}`,
    git: bb.git,
    gitName: repo,
    settled: () => bb.webhooksSettled(),
    close: () => bb.close(),
  };
}
