import { startBitbucketCloudEmulator } from '../../emulators/bitbucket-cloud/emulator.js';
import { fixture, gitopsFiles } from '../fixtures.js';
import { scmDispatchfile } from './dispatchfile.js';
import { apiCall } from './api-call.js';
import type { ScmScenario, SeenStatus } from './scenario.js';

const STATE: Record<string, SeenStatus['state']> = {
  INPROGRESS: 'pending',
  SUCCESSFUL: 'success',
  FAILED: 'failure',
  STOPPED: 'error',
};

type Change = { old?: Record<string, unknown> | null; new?: Record<string, unknown> | null };

/**
 * Bitbucket Cloud through its emulator, with the go-scm `repo:push` payloads. Its payload lists
 * no changed files, so a `paths` condition is decided from the diffstat API.
 */
export async function bitbucketCloudScenario(): Promise<ScmScenario> {
  const token = 'bbc-e2e-access-token';
  const bb = await startBitbucketCloudEmulator({ token });
  const app = 'acme/hello-world';
  const gitops = 'acme/hello-world-gitops';
  const gitopsUrl = `${bb.url}/${gitops}.git`;
  await bb.git.createRepo(gitops, { files: gitopsFiles });
  await bb.git.createRepo(app, {
    files: { Dispatchfile: scmDispatchfile(gitopsUrl, 'bitbucket-cloud'), VERSION: '1\n' },
  });
  const repository = (p: Record<string, unknown>) => ({
    ...(p.repository as object),
    full_name: app,
    name: 'hello-world',
  });
  const ref = (r: Record<string, unknown> | null | undefined, branch: string, sha: string) =>
    r && { ...r, name: branch, target: { ...(r.target as object), hash: sha } };
  return {
    kind: 'bitbucket-cloud',
    hostName: 'bitbucket',
    app,
    gitops,
    gitopsUrl,
    git: bb.git,
    hasApi: true,
    payloadListsFiles: false,
    hostYaml: (secret) =>
      `  bitbucket:\n    kind: bitbucket-cloud\n    url: ${bb.url}\n    apiUrl: ${bb.apiUrl}\n    token: ${token}\n    webhookSecret: ${secret}\n`,
    pushBody(branch, before, after) {
      const p = fixture('bitbucket-cloud/goscm-push.json') as { push: { changes: Change[] } };
      const c = p.push.changes[0]!;
      const created = /^0+$/.test(before);
      const change = {
        ...c,
        old: created ? null : ref(c.old ?? c.new, branch, before),
        new: ref(c.new, branch, after),
        created,
      };
      return JSON.stringify({ ...p, push: { changes: [change] }, repository: repository(p) });
    },
    deleteBody(branch, sha) {
      const p = fixture('bitbucket-cloud/goscm-push_branch_delete.json') as { push: { changes: Change[] } };
      const c = p.push.changes[0]!;
      return JSON.stringify({
        ...p,
        push: { changes: [{ ...c, old: ref(c.old, branch, sha) }] },
        repository: repository(p),
      });
    },
    openPulls: () =>
      bb
        .pulls(gitops)
        .filter((p) => p.state === 'OPEN')
        .map((p) => ({ number: p.id, head: p.source, base: p.destination, title: p.title, body: p.description })),
    pullsCreated: () => bb.count('POST /repositories/{workspace}/{repo_slug}/pullrequests'),
    pullUrl: (n) => new RegExp(`^${bb.url}/${gitops}/pull-requests/${n}$`),
    gitopsActions: {
      async merge(id) {
        await apiCall(`${bb.apiUrl}/repositories/${gitops}/pullrequests/${id}/merge`, token, 'POST', {
          merge_strategy: 'merge_commit',
        });
      },
      async postStatus(sha, context, state, description) {
        await apiCall(`${bb.apiUrl}/repositories/${gitops}/commit/${sha}/statuses/build`, token, 'POST', {
          key: context,
          state: { success: 'SUCCESSFUL', failure: 'FAILED', pending: 'INPROGRESS' }[state],
          url: `https://argocd.example.com/applications/${context}`,
          description,
        });
      },
      async decline(id) {
        await apiCall(`${bb.apiUrl}/repositories/${gitops}/pullrequests/${id}/decline`, token, 'POST');
      },
    },
    gitopsHook: {
      // Repository settings → Webhooks: pull request created, updated, merged, declined and
      // build status created, updated; the secret signs X-Hub-Signature.
      async add(url, secret) {
        await apiCall(`${bb.apiUrl}/repositories/${gitops}/hooks`, token, 'POST', {
          description: 'dispatchd',
          url,
          active: true,
          secret,
          events: [
            'pullrequest:created',
            'pullrequest:updated',
            'pullrequest:fulfilled',
            'pullrequest:rejected',
            'repo:commit_status_created',
            'repo:commit_status_updated',
          ],
        });
      },
      sendsStatusEvents: true,
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
    compareCalls: () => bb.calls.filter((c) => c.route.includes('/diffstat/')).length,
    close: () => bb.close(),
  };
}
