import { startBitbucketCloudEmulator } from '../emulators/bitbucket-cloud/emulator.js';
import { bitbucketCloudPullRequestBody } from '../helpers/bitbucket-pull-request.js';
import { pullRequestTriggerSuite } from './scm/pull-request-suite.js';

const TOKEN = 'bbc-pr-triggers-access-token';
const APP = 'acme/hello-world';
const GITOPS = 'acme/hello-world-gitops';
const STATE: Record<string, string> = { SUCCESSFUL: 'success', FAILED: 'failure', INPROGRESS: 'pending' };
const EVENTS = { opened: 'pullrequest:created', updated: 'pullrequest:updated' };

// Bitbucket Cloud's pull-request webhooks carry the head commit's first 12 characters: every
// scenario here plans from an abbreviated id, which only the head branch's tip (checked to
// contain it) turns into the full id the image and the GitOps update name.
pullRequestTriggerSuite('pull_request actions fire on source-repository pull requests (Bitbucket Cloud)', async () => {
  const bb = await startBitbucketCloudEmulator({ token: TOKEN });
  return {
    kind: 'bitbucket-cloud',
    hostName: 'bitbucket',
    app: APP,
    gitops: GITOPS,
    gitopsUrl: `${bb.url}/${GITOPS}.git`,
    git: bb.git,
    hostYaml: (secret) =>
      `  bitbucket: {kind: bitbucket-cloud, url: "${bb.url}", apiUrl: "${bb.apiUrl}", token: ${TOKEN}, webhookSecret: ${secret}}`,
    hook: (h) => ({
      event: EVENTS[h.action],
      body: bitbucketCloudPullRequestBody({
        repo: APP,
        id: h.id,
        source: h.source,
        target: 'main',
        sha: h.sha.slice(0, 12),
        ...(h.forkOf ? { forkOf: h.forkOf } : {}),
      }),
    }),
    openPulls: () =>
      bb
        .pulls(GITOPS)
        .filter((p) => p.state === 'OPEN')
        .map((p) => ({ head: p.source, base: p.destination })),
    status: (sha, key) => {
      const s = bb
        .statuses(APP, sha)
        .filter((x) => x.key === key)
        .at(-1);
      return (
        s && {
          state: STATE[s.state] ?? s.state,
          description: s.description ?? '',
        }
      );
    },
    close: () => bb.close(),
  };
});
