import { startGitlabEmulator } from '../../emulators/gitlab/emulator.js';
import { gitlabProjectFields, gitlabPushBody } from '../../helpers/gitlab-push.js';
import { fixture, gitopsFiles } from '../fixtures.js';
import { scmDispatchfile } from './dispatchfile.js';
import { apiCall } from './api-call.js';
import type { ScmScenario, SeenStatus } from './scenario.js';

const STATE: Record<string, SeenStatus['state']> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failed: 'failure',
  canceled: 'error',
};

/** GitLab through its emulator, projects in a nested group, with the go-scm push payloads. */
export async function gitlabScenario(): Promise<ScmScenario> {
  const token = 'glpat-e2e-token-1234567890';
  const gl = await startGitlabEmulator({ token });
  const app = 'acme/platform/hello-world';
  const gitops = 'acme/platform/hello-world-gitops';
  const gitopsUrl = `${gl.url}/${gitops}.git`;
  await gl.git.createRepo(gitops, { files: gitopsFiles });
  await gl.git.createRepo(app, { files: { Dispatchfile: scmDispatchfile(gitopsUrl, 'gitlab'), VERSION: '1\n' } });
  return {
    kind: 'gitlab',
    hostName: 'gitlab',
    app,
    gitops,
    gitopsUrl,
    git: gl.git,
    hasApi: true,
    payloadListsFiles: true,
    hostYaml: (secret) =>
      `  gitlab:\n    kind: gitlab\n    url: ${gl.url}\n    apiUrl: ${gl.apiUrl}\n    token: ${token}\n    webhookSecret: ${secret}\n`,
    pushBody: (branch, before, after, files) =>
      gitlabPushBody({ repo: app, branch, before, after, files, base: gl.url }),
    // GitLab's push payload has no "forced" flag: a forced push looks like any other.
    pushBodyFor: (repo, branch, before, after, files) =>
      gitlabPushBody({ repo, branch, before, after, files, base: gl.url }),
    deleteBody(branch, sha) {
      const p = fixture('gitlab/goscm-branch_delete.json');
      return JSON.stringify({
        ...p,
        ref: `refs/heads/${branch}`,
        before: sha,
        ...gitlabProjectFields(p, app, gl.url),
      });
    },
    openPulls: () =>
      gl
        .mergeRequests(gitops)
        .filter((m) => m.state === 'opened')
        .map((m) => ({
          number: m.iid,
          head: m.sourceBranch,
          base: m.targetBranch,
          title: m.title,
          body: m.description ?? '',
        })),
    pullsCreated: () => gl.count('POST /projects/{id}/merge_requests'),
    pullUrl: (n) => new RegExp(`^${gl.url}/${gitops}/-/merge_requests/${n}$`),
    statuses: (sha) =>
      gl.statuses(app, sha).map((s) => ({
        context: s.name,
        state: STATE[s.status] ?? 'error',
        url: s.targetUrl ?? '',
        description: s.description ?? '',
      })),
    apiCalls: () => gl.calls,
    compareCalls: () => gl.calls.filter((c) => c.route.includes('/repository/compare')).length,
    gitopsActions: {
      async merge(iid) {
        await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(gitops)}/merge_requests/${iid}/merge`, token, 'PUT');
      },
      async postStatus(sha, context, state, description) {
        const s = { success: 'success', failure: 'failed', pending: 'running' }[state];
        await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(gitops)}/statuses/${sha}`, token, 'POST', {
          state: s,
          name: context,
          description,
        });
      },
      async decline(iid) {
        await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(gitops)}/merge_requests/${iid}`, token, 'PUT', {
          state_event: 'close',
        });
      },
    },
    gitopsHook: {
      // Settings → Webhooks: merge request and pipeline events (an external status reaches
      // webhooks only as its pipeline's status change), the secret token = webhookSecret.
      async add(url, secret) {
        await apiCall(`${gl.apiUrl}/projects/${encodeURIComponent(gitops)}/hooks`, token, 'POST', {
          url,
          token: secret,
          push_events: false,
          merge_requests_events: true,
          pipeline_events: true,
        });
      },
      sendsStatusEvents: true,
      deliveries: () => gl.deliveries(gitops).map((d) => ({ event: d.event, statusCode: d.statusCode })),
    },
    nativeMerge: {
      enabled: (iid) => Boolean(gl.mergeRequests(gitops).find((m) => m.iid === iid)?.autoMerge),
      mergedVia: (iid) => gl.mergeRequests(gitops).find((m) => m.iid === iid)?.mergedVia,
      comments: (iid) => gl.notes(gitops, iid).map((n) => n.body),
    },
    pullsFrom: (head) => gl.mergeRequests(gitops).filter((m) => m.sourceBranch === head).length,
    refTipCalls: () => gl.count('GET /projects/{id}/repository/branches/{branch}'),
    close: () => gl.close(),
  };
}
