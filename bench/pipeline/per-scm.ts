import request from 'supertest';
import { ZERO_SHA } from '../../src/core/push-event.js';
import { signedRequest } from '../../test/helpers/sign.js';
import { startStack } from '../../test/helpers/stack.js';
import type { ApiCall } from '../../test/emulators/common/call-log.js';
import { bitbucketCloudScenario } from '../../test/e2e/scm/bitbucket-cloud.js';
import { bitbucketServerScenario } from '../../test/e2e/scm/bitbucket-server.js';
import { githubScenario } from '../../test/e2e/scm/github.js';
import { gitlabScenario } from '../../test/e2e/scm/gitlab.js';
import type { ScmScenario } from '../../test/e2e/scm/scenario.js';
import { scenarioConfig } from '../../test/e2e/scm/suite.js';

export interface ScmUpdateCalls {
  scm: string;
  /** Environment updates counted (the first, which creates the PR, is not). */
  updates: number;
  /** PR find/create/update calls + the final deploy status, max per update (target ≤ 3). */
  updateCalls: number;
  prCalls: number;
  finalStatusCalls: number;
  /** Counted apart: the plan's statuses, merges, and every other call (tip, ancestry, Dispatchfile). */
  planStatusCalls: number;
  mergeCalls: number;
  otherCalls: number;
  /** Every route called during the last update. */
  routes: string[];
}

const SECRET = 'bench-per-scm-secret';
const SCENARIOS: [string, () => Promise<ScmScenario>][] = [
  ['github', () => githubScenario()],
  ['gitlab', gitlabScenario],
  ['bitbucket-cloud', bitbucketCloudScenario],
  ['bitbucket-server', () => bitbucketServerScenario()],
];
// Route names are each emulator's documented ones; these shapes are common to all four.
const isMerge = (c: ApiCall) => /\/merge$/.test(c.route) && !c.route.startsWith('GET');
const isPr = (c: ApiCall) => /pulls|merge_requests|pullrequests|pull-requests/.test(c.route) && !isMerge(c);
const isStatus = (c: ApiCall) => c.route.startsWith('POST') && /status/.test(c.route);

/**
 * Section 3b: the API calls of one environment update on each SCM's emulator through the real
 * service (the end-to-end suite's scenarios): `updates` pushes to staging after a first one that
 * opens the PR, each waited to idle, its calls classified by route.
 */
export async function benchPerScm(updates: number, log: (l: string) => void): Promise<ScmUpdateCalls[]> {
  const out: ScmUpdateCalls[] = [];
  for (const [name, make] of SCENARIOS) {
    const s = await make();
    const stack = await startStack(scenarioConfig(s, SECRET));
    try {
      const worst = { update: 0, pr: 0, final: 0, plan: 0, merge: 0, other: 0 };
      let routes: string[] = [];
      for (let i = 0; i <= updates; i++) {
        const before = (await s.git.revParse(s.app, 'staging')) ?? ZERO_SHA;
        const sha = await s.git.commit(s.app, 'staging', { VERSION: `9.${i}.0\n` }, `Release 9.${i}.0`);
        const from = s.apiCalls!().length;
        const signed = signedRequest(s.kind, s.pushBody('staging', before, sha, ['VERSION']), SECRET, {
          deliveryId: `bench-${name}-${i}`,
        });
        await request(stack.server).post(`/hooks/${s.hostName}`).set(signed.headers).send(signed.rawBody.toString());
        await stack.idle(60_000);
        if (i === 0) continue;
        const calls = s.apiCalls!().slice(from);
        const final = s.statuses(sha).filter((x) => x.context === 'dispatchd/deploy' && x.state !== 'pending').length;
        const pr = calls.filter(isPr).length;
        const statuses = calls.filter(isStatus).length;
        const merge = calls.filter(isMerge).length;
        worst.update = Math.max(worst.update, pr + final);
        worst.pr = Math.max(worst.pr, pr);
        worst.final = Math.max(worst.final, final);
        worst.plan = Math.max(worst.plan, statuses - final);
        worst.merge = Math.max(worst.merge, merge);
        worst.other = Math.max(worst.other, calls.length - pr - statuses - merge);
        routes = calls.map((c) => `${c.route} ${c.status}`);
      }
      const r: ScmUpdateCalls = {
        scm: name,
        updates,
        updateCalls: worst.update,
        prCalls: worst.pr,
        finalStatusCalls: worst.final,
        planStatusCalls: worst.plan,
        mergeCalls: worst.merge,
        otherCalls: worst.other,
        routes,
      };
      log(
        `  ${name}: PR + final status ${r.updateCalls} (PR ${r.prCalls}, final ${r.finalStatusCalls}); apart: plan statuses ${r.planStatusCalls}, merges ${r.mergeCalls}, other ${r.otherCalls}`,
      );
      out.push(r);
    } finally {
      await stack.stop();
      await s.close();
    }
  }
  return out;
}
