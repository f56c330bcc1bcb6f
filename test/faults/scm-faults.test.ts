import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { seededFaults, type FaultFn } from '../emulators/common/faults.js';
import { dispatchfile, gitopsFiles } from '../e2e/fixtures.js';
import { githubPushBody } from '../helpers/github-push.js';
import { signedRequest } from '../helpers/sign.js';
import { startStack, type Stack } from '../helpers/stack.js';
import request from 'supertest';

const TOKEN = 'ghp_scm_faults_token_0123456789';
const SECRET = 'scm-faults-secret';
const APP = 'acme/app';
const GITOPS = 'acme/gitops';
// A fixed schedule by default (it puts 429s on retried calls); FAULT_SEED tries another.
const SEED = Number(process.env.FAULT_SEED ?? 166472525);
const RETRY_AFTER_S = 2;
const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';
const STATUS = 'POST /repos/{owner}/{repo}/statuses/{sha}';

interface Seen {
  at: number;
  route: string;
  status?: number;
}

describe(`SCM faults: 30 % of GitHub API calls answer 5xx or 429 + Retry-After (seed ${SEED}, rerun with FAULT_SEED)`, () => {
  let gh: GithubEmulator;
  let stack: Stack;
  let n = 0;

  before(async () => {
    console.log(`scm faults: seed ${SEED} (rerun with FAULT_SEED=${SEED})`);
    gh = await startGithubEmulator({ token: TOKEN });
    await gh.git.createRepo(GITOPS, { files: gitopsFiles });
    await gh.git.createRepo(APP, {
      files: { Dispatchfile: dispatchfile(`${gh.url}/${GITOPS}`, 'github'), VERSION: '0\n' },
    });
    // One job at a time, so the call after a 429 is that job's retry and its wait can be measured.
    stack = await startStack(`
hosts:
  github: { kind: github, url: ${gh.url}, apiUrl: ${gh.apiUrl}, token: ${TOKEN}, webhookSecret: ${SECRET} }
repositories: [{ host: github, repo: ${APP} }]
gitops:
  - repo: github:${GITOPS}
    allow: [{ from: "github:acme/*", paths: ["staging/**", "production/**"] }]
workers: { events: 1, tasks: 1 }
dataDir: \${DATA_DIR}
`);
  });
  after(async () => {
    await stack?.stop();
    await gh?.close();
  });

  /** Records each API call's time and the fault it got, in order. */
  function recording(fn: FaultFn, seen: Seen[]): FaultFn {
    return (call) => {
      const f = fn(call);
      seen.push({ at: Date.now(), route: call.route, ...(f ? { status: f.status } : {}) });
      return f;
    };
  }

  async function push(branch: string): Promise<{ sha: string; deliveryId: string }> {
    const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
    const sha = await gh.git.commit(APP, branch, { VERSION: `${++n}\n` }, `Release ${n}`);
    const deliveryId = `scm-fault-${n}`;
    const signed = signedRequest(
      'github',
      githubPushBody({ repo: APP, branch, before, after: sha, base: gh.url }),
      SECRET,
      { deliveryId },
    );
    const res = await request(stack.server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return { sha, deliveryId };
  }

  it('every job completes; waits after a 429 honour Retry-After', { timeout: 180_000 }, async () => {
    const seen: Seen[] = [];
    // Retry-After 2 s: longer than the first exponential step (1 s), so honouring it shows.
    gh.setFaults(
      recording(
        seededFaults({
          seed: SEED,
          rate: 0.3,
          kinds: [{ status: 500 }, { status: 502 }, { status: 503 }, { status: 429, retryAfterSec: RETRY_AFTER_S }],
        }),
        seen,
      ),
    );
    const newest: Record<string, string> = {};
    for (const branch of ['staging', 'production', 'staging', 'production']) {
      newest[branch] = (await push(branch)).sha;
      await stack.idle(90_000);
    }
    gh.setFaults(undefined);
    const failed = [...(await stack.producer.events.getFailed()), ...(await stack.producer.gitops.getFailed())];
    assert.deepEqual(
      failed.map((j) => j.failedReason),
      [],
      'no job failed for good',
    );
    for (const [branch, sha] of Object.entries(newest)) {
      const file = await gh.git.readFile(GITOPS, `dispatchd/github/${APP}/${branch}`, `${branch}/application.yaml`);
      assert.ok(file?.includes(sha), `${branch} PR carries ${sha.slice(0, 7)}`);
    }
    assert.equal(gh.pulls(GITOPS).length, 2, 'one PR per environment despite retried creates');
    const faults = seen.filter((s) => s.status !== undefined);
    // A refused status is retried inside workers/statuses.ts while the other worker may call in
    // between, so only the job-level retries (other routes) are timed here, to the next call that
    // is not a status (the push worker posts its statuses while the GitOps job runs).
    const gaps = seen.flatMap((s, i) => {
      const next =
        s.status === 429 && s.route !== STATUS ? seen.slice(i + 1).find((c) => c.route !== STATUS) : undefined;
      return next ? [next.at - s.at] : [];
    });
    const droppedStatuses = faults.filter((s) => s.route === STATUS).length;
    console.log(
      `scm faults: ${seen.length} calls, ${faults.length} faulted (${faults.filter((s) => s.status === 429).length} ` +
        `× 429), waits after 429 (ms): ${gaps.join(', ')}; status calls refused (retried in place): ${droppedStatuses}`,
    );
    assert.ok(faults.length >= seen.length * 0.15, 'the schedule did inject faults');
    assert.ok(gaps.length > 0, 'at least one 429 hit a retried call (change FAULT_SEED if not)');
    for (const g of gaps)
      assert.ok(g >= RETRY_AFTER_S * 1000, `retried ${g} ms after a 429 with Retry-After: ${RETRY_AFTER_S}`);
    for (const sha of Object.values(newest)) {
      const deploy = gh.statuses(APP, sha).filter((st) => st.context === 'dispatchd/deploy');
      assert.equal(
        deploy.at(-1)?.state,
        'success',
        `the newest push ${sha.slice(0, 7)} ends with a success status despite refused status calls`,
      );
    }
  });

  it(
    'a permanent error (401 reading the Dispatchfile) fails the push at once, with one call and a message',
    { timeout: 60_000 },
    async () => {
      const seen: Seen[] = [];
      gh.setFaults(recording((call) => (call.route === CONTENTS ? { status: 401 } : undefined), seen));
      const { sha, deliveryId } = await push('staging');
      await stack.idle(30_000);
      gh.setFaults(undefined);
      assert.equal(seen.filter((s) => s.route === CONTENTS).length, 1, `no retry of a 401: ${JSON.stringify(seen)}`);
      const job = (await stack.producer.events.getFailed()).find((j) => j.data.event.deliveryId === deliveryId);
      assert.ok(job, 'the push job failed');
      assert.equal(job.attemptsMade, 1, 'failed on its first attempt');
      const status = gh.statuses(APP, sha).at(-1);
      assert.equal(status?.state, 'failure');
      assert.ok((status?.description ?? '').length > 10, `the commit status says why: ${status?.description}`);
      console.log(`scm faults: 401 → ${seen.length} API calls in all; status: ${status?.description}`);
    },
  );
});
