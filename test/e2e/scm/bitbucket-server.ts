import { startBitbucketServerEmulator } from '../../emulators/bitbucket-server/emulator.js';
import { fixture, gitopsFiles } from '../fixtures.js';
import { scmDispatchfile } from './dispatchfile.js';
import { apiCall } from './api-call.js';
import type { ScmScenario, SeenStatus } from './scenario.js';

const STATE: Record<string, SeenStatus['state']> = { INPROGRESS: 'pending', SUCCESSFUL: 'success', FAILED: 'failure' };

type Change = Record<string, unknown> & { ref: Record<string, unknown> };

/**
 * Bitbucket Server / Data Center through its emulator, with the go-scm `repo:refs_changed`
 * payloads. Those list no commits at all, so `paths` is decided from the compare/changes API.
 */
export async function bitbucketServerScenario(
  gitopsUrlOf: (base: string) => string = (base) => `${base}/PROJ/hello-world-gitops`,
): Promise<ScmScenario> {
  const token = 'bbs-e2e-http-access-token';
  const bb = await startBitbucketServerEmulator({ token });
  const app = 'PROJ/hello-world';
  const gitops = 'PROJ/hello-world-gitops';
  const gitopsUrl = gitopsUrlOf(bb.url);
  await bb.git.createRepo(gitops, { files: gitopsFiles });
  await bb.git.createRepo(app, {
    files: { Dispatchfile: scmDispatchfile(gitopsUrl, 'bitbucket-server'), VERSION: '1\n' },
  });
  const repository = (p: Record<string, unknown>) => {
    const r = p.repository as Record<string, unknown>;
    return {
      ...r,
      slug: 'hello-world',
      name: 'hello-world',
      project: { ...(r.project as object), key: 'PROJ', name: 'Project' },
    };
  };
  const body = (file: string, branch: string, change: (c: Change) => Record<string, unknown>) => {
    const p = fixture(file) as { changes: Change[] };
    const c = p.changes[0]!;
    const ref = { ...c.ref, id: `refs/heads/${branch}`, displayId: branch };
    return JSON.stringify({ ...p, repository: repository(p), changes: [{ ...c, ref, refId: ref.id, ...change(c) }] });
  };
  return {
    kind: 'bitbucket-server',
    hostName: 'bitbucket-dc',
    app,
    gitops,
    gitopsUrl,
    git: bb.git,
    hasApi: true,
    payloadListsFiles: false,
    hostYaml: (secret) =>
      `  bitbucket-dc:\n    kind: bitbucket-server\n    url: ${bb.url}\n    apiUrl: ${bb.apiUrl}\n    token: ${token}\n    webhookSecret: ${secret}\n`,
    pushBody: (branch, before, after) =>
      body('bitbucket-server/goscm-push.json', branch, () => ({
        fromHash: before,
        toHash: after,
        type: /^0+$/.test(before) ? 'ADD' : 'UPDATE',
      })),
    deleteBody: (branch, sha) =>
      body('bitbucket-server/goscm-push_branch_delete.json', branch, () => ({
        fromHash: sha,
        toHash: '0'.repeat(40),
        type: 'DELETE',
      })),
    openPulls: () =>
      bb
        .pulls(gitops)
        .filter((p) => p.state === 'OPEN')
        .map((p) => ({
          number: p.id,
          head: p.fromRef.replace(/^refs\/heads\//, ''),
          base: p.toRef.replace(/^refs\/heads\//, ''),
          title: p.title,
          body: p.description,
        })),
    pullsCreated: () => bb.calls.filter((c) => c.method === 'POST' && /\/pull-requests$/.test(c.route)).length,
    pullUrl: (n) => new RegExp(`^${bb.url}/projects/PROJ/repos/hello-world-gitops/pull-requests/${n}$`),
    gitopsActions: {
      async merge(id) {
        const repo = `${bb.apiUrl}/projects/PROJ/repos/hello-world-gitops/pull-requests/${id}`;
        const pr = (await apiCall(repo, token, 'GET')) as { version: number };
        await apiCall(`${repo}/merge?version=${pr.version}`, token, 'POST');
      },
      async postStatus(sha, context, state, description) {
        await apiCall(`${bb.url}/rest/build-status/1.0/commits/${sha}`, token, 'POST', {
          key: context,
          state: { success: 'SUCCESSFUL', failure: 'FAILED', pending: 'INPROGRESS' }[state],
          url: `https://argocd.example.com/applications/${context}`,
          description,
        });
      },
      async decline(id) {
        const repo = `${bb.apiUrl}/projects/PROJ/repos/hello-world-gitops/pull-requests/${id}`;
        // As a person would: dispatchd may update the PR (a new version) between the read and the
        // decline, which Bitbucket refuses as out of date; read it again and retry.
        for (let attempt = 1; ; attempt++) {
          const pr = (await apiCall(repo, token, 'GET')) as { version: number };
          try {
            await apiCall(`${repo}/decline?version=${pr.version}`, token, 'POST');
            return;
          } catch (e) {
            if (attempt >= 5 || !/answered 409/.test(String(e))) throw e;
          }
        }
      },
    },
    gitopsHook: {
      // Repository settings → Webhooks: pull request opened, source branch updated, merged,
      // declined, deleted; the secret signs X-Hub-Signature. There is no build-status event.
      async add(url, secret) {
        await apiCall(`${bb.apiUrl}/projects/PROJ/repos/hello-world-gitops/webhooks`, token, 'POST', {
          name: 'dispatchd',
          url,
          active: true,
          events: ['pr:opened', 'pr:from_ref_updated', 'pr:merged', 'pr:declined', 'pr:deleted'],
          configuration: { secret },
        });
      },
      sendsStatusEvents: false,
      deliveries: () => bb.deliveries(gitops).map((d) => ({ event: d.event, statusCode: d.statusCode })),
    },
    statuses: (sha) =>
      bb.statuses(app, sha).map((s) => ({
        context: s.key,
        state: STATE[s.state] ?? 'error',
        url: s.url,
        description: s.description ?? '',
      })),
    apiCalls: () => bb.calls,
    compareCalls: () => bb.calls.filter((c) => c.route.includes('/compare/changes')).length,
    close: () => bb.close(),
  };
}
