import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { ScmKind } from '../../../src/core/push-event.js';
import { deployment } from '../../gitops/rig.js';
import type { GitServer } from '../../helpers/git-server.js';
import { prDispatchfile } from '../../helpers/pr-dispatchfile.js';
import { signedRequest } from '../../helpers/sign.js';
import { startStack, type Stack } from '../../helpers/stack.js';
import { eventually } from '../fixtures.js';

const SECRET = 'pull-request-suite-secret';
const IMAGE = 'registry.example.com/acme/hello-world';

/** What a pull request webhook says, before an SCM puts it in its own words. */
export interface PullRequestHook {
  id: number;
  action: 'opened' | 'updated';
  source: string;
  /** The full head commit id; the SCM's body carries it as that SCM does (Cloud: 12 characters). */
  sha: string;
  forkOf?: string;
}

/** One SCM's emulator, as the pull-request trigger scenario drives it. */
export interface PullRequestScm {
  kind: ScmKind;
  hostName: string;
  app: string;
  gitops: string;
  /** The GitOps repository's clone URL, as the Dispatchfile names it. */
  gitopsUrl: string;
  git: GitServer;
  hostYaml(secret: string): string;
  /** The signed webhook's event name and body. */
  hook(h: PullRequestHook): { event: string; body: string };
  /** Open pull requests of the GitOps repository. */
  openPulls(): { head: string; base: string }[];
  /** The newest status of `key` on a commit of the source repository. */
  status(sha: string, key: string): { state: string; description: string } | undefined;
  close(): Promise<void>;
}

/**
 * Dispatchfile `pull_request` actions on one SCM: its real pull-request webhook bodies (captured
 * fixtures re-aimed at the emulator's repositories), signed and delivered by the test, into the
 * real service over redis-server; the emulator holds the repositories and GitOps pull requests.
 */
export function pullRequestTriggerSuite(title: string, start: () => Promise<PullRequestScm>): void {
  describe(title, { timeout: 240_000 }, () => {
    let scm: PullRequestScm;
    let stack: Stack;
    let n = 0;
    let head: string;

    const send = async (h: PullRequestHook, deliveryId = `pr-${++n}`) => {
      const { event, body } = scm.hook(h);
      const signed = signedRequest(scm.kind, body, SECRET, { event, deliveryId });
      const res = await request(stack.server)
        .post(`/hooks/${scm.hostName}`)
        .set(signed.headers)
        .send(signed.rawBody.toString());
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return { status: (res.body as { status?: string }).status, deliveryId };
    };
    const image = async () =>
      /image: (\S+)/.exec((await scm.git.readFile(scm.gitops, head, 'previews/application.yaml')) ?? '')?.[1];
    const gitopsCommits = async () => (await scm.git.log(scm.gitops, head, 100)).length;

    before(async () => {
      scm = await start();
      head = `dispatchd/${scm.hostName}/${scm.app}/previews`;
      await scm.git.createRepo(scm.gitops, {
        files: { 'README.md': '# gitops\n', 'previews/application.yaml.tmpl': deployment('previews') },
      });
      await scm.git.createRepo(scm.app, {
        files: { Dispatchfile: prDispatchfile({ gitopsUrl: scm.gitopsUrl }), VERSION: '1\n' },
      });
      stack = await startStack(`
hosts:
${scm.hostYaml(SECRET)}
repositories:
  - {host: ${scm.hostName}, repo: ${scm.app}}
gitops:
  - repo: ${scm.hostName}:${scm.gitops}
    allow:
      - {from: "${scm.hostName}:${scm.app}", pullRequests: true, paths: ["previews/**"]}
dataDir: \${DATA_DIR}
`);
    });
    after(async () => {
      await stack?.stop();
      await scm?.close();
    });

    it("an opened pull request opens a GitOps PR for its head's image, by the base branch's Dispatchfile; a redelivery adds nothing", async () => {
      const sha = await scm.git.commit(
        scm.app,
        'feature',
        {
          VERSION: '2\n',
          Dispatchfile: prDispatchfile({ gitopsUrl: scm.gitopsUrl }).replace(IMAGE, 'evil.example.com/x'),
        },
        'v2, and another image',
      );
      const sent = await send({ id: 4, action: 'opened', source: 'feature', sha });
      assert.equal(sent.status, 'queued');
      const pr = await eventually(
        () => scm.openPulls().find((p) => p.head === head),
        60_000,
        'the GitOps pull request',
      );
      assert.equal(pr.base, 'main');
      assert.equal(await image(), `${IMAGE}:${sha}`, 'the full commit id, whatever the webhook carried');
      await stack.idle(60_000);
      assert.equal(scm.status(sha, 'dispatchd/pr/preview')?.state, 'success');
      const commits = await gitopsCommits();
      const again = await send({ id: 4, action: 'opened', source: 'feature', sha }, sent.deliveryId);
      assert.equal(again.status, 'duplicate');
      await stack.idle(60_000);
      assert.equal(await gitopsCommits(), commits);
      assert.equal(scm.openPulls().length, 1);
    });

    it("an update naming an older head plans the head branch's tip, which contains it; a commit not on it deploys nothing", async () => {
      const older = await scm.git.commit(scm.app, 'feature', { VERSION: '3\n' }, 'v3');
      const tip = await scm.git.commit(scm.app, 'feature', { VERSION: '4\n' }, 'v4');
      assert.equal((await send({ id: 4, action: 'updated', source: 'feature', sha: older })).status, 'queued');
      await eventually(async () => ((await image()) === `${IMAGE}:${tip}` ? true : undefined), 60_000, 'the tip');

      // A newer tip exists, but the event names a commit of another branch: nothing is planned.
      await stack.idle(60_000);
      const commits = await gitopsCommits();
      const stranger = await scm.git.commit(scm.app, 'elsewhere', { VERSION: 'x\n' }, 'not on feature');
      const newer = await scm.git.commit(scm.app, 'feature', { VERSION: '5\n' }, 'v5');
      assert.equal((await send({ id: 4, action: 'updated', source: 'feature', sha: stranger })).status, 'queued');
      await stack.idle(60_000);
      assert.equal(await image(), `${IMAGE}:${tip}`, `not ${newer}: the event's commit is not on the head branch`);
      assert.equal(await gitopsCommits(), commits);
    });

    it("a fork's pull request writes nothing, and its head commit's status says why", async () => {
      const commits = await gitopsCommits();
      const forkHead = await scm.git.commit(scm.app, 'from-fork', { VERSION: 'fork\n' }, 'from a fork');
      const forkOf = `${scm.app.split('/')[0]}FORK/hello-world`;
      assert.equal(
        (await send({ id: 9, action: 'opened', source: 'from-fork', sha: forkHead, forkOf })).status,
        'queued',
      );
      const status = await eventually(() => scm.status(forkHead, 'dispatchd/pr'), 60_000, 'the refusal');
      assert.equal(status.state, 'failure');
      assert.match(status.description, /pull request #9 comes from a fork/);
      await stack.idle(60_000);
      assert.equal(await gitopsCommits(), commits);
      assert.equal(scm.openPulls().length, 1);
    });
  });
}
