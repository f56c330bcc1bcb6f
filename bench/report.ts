import type { AttacksResult } from './attacks/bench-attacks.js';
import type { BurstResult } from './pipeline/burst.js';
import type { PushToPrResult } from './pipeline/push-to-pr.js';
import type { ReceiverResult } from './receiver/bench-receiver.js';
import { table } from './lib/table.js';
import type { ScaleRun } from './scale/scale-receivers.js';
import type { WorkerScaleRun } from './scale/scale-workers.js';
import type { MirrorsResult } from './scale/mirrors.js';
import type { ScmUpdateCalls } from './pipeline/per-scm.js';

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; node: string; platform: string; loadavgStart: number[]; loadavgEnd: number[] };
  settings: Record<string, unknown>;
  receiver?: ReceiverResult;
  pushToPr?: PushToPrResult;
  burst?: BurstResult;
  attacks?: AttacksResult;
  scale?: ScaleRun[];
  /** Section 6b: 2 and then 4 worker processes, a batch of pushes to distinct environments. */
  scaleWorkers?: WorkerScaleRun[];
  /** Section 7: one worker holding many GitOps mirrors. */
  mirrors?: MirrorsResult;
  perScm?: ScmUpdateCalls[];
  /** Resident memory of the process running the pipeline rig (workers and emulator), and the mirrors' disk. */
  memory?: { afterPipelineMB?: number; afterBurstMB?: number; mirrors: number; mirrorDiskKB: number };
  targets: Target[];
}

/** The issue's targets, judged from what was measured in this run. */
export function judge(r: Pick<BenchResults, 'receiver' | 'pushToPr' | 'burst' | 'attacks' | 'perScm'>): Target[] {
  const out: Target[] = [];
  if (r.receiver) {
    out.push({
      name: 'receiver throughput vs bare baseline',
      target: '≥ 0.80×',
      measured: `${r.receiver.ratio.toFixed(2)}× (${r.receiver.dispatchd.rps} vs ${r.receiver.baseline.rps} req/s)`,
      met: r.receiver.ratio >= 0.8,
    });
  }
  if (r.pushToPr) {
    const p = r.pushToPr;
    out.push({
      name: 'push → PR p50 vs bare git floor',
      // Issue 15 tightened issue 6's ≤ 3×.
      target: '≤ 1.5×',
      measured: `${p.ratio.toFixed(2)}× (${p.dispatchd.p50Ms} vs ${p.floor.p50Ms} ms)`,
      met: p.ratio <= 1.5,
    });
    out.push({
      name: 'push → PR p50',
      target: '< 300 ms',
      measured: `${p.dispatchd.p50Ms} ms`,
      met: p.dispatchd.p50Ms < 300,
    });
    out.push({
      name: 'PR + final status calls per update',
      target: '≤ 3',
      measured: `max ${p.perUpdate.updateCalls.max}, mean ${p.perUpdate.updateCalls.mean}`,
      met: p.perUpdate.updateCalls.max <= 3,
    });
  }
  if (r.perScm) {
    const worst = Math.max(...r.perScm.map((x) => x.updateCalls));
    out.push({
      name: 'PR + final status calls per update, every SCM',
      target: '≤ 3',
      measured: r.perScm.map((x) => `${x.scm} ${x.updateCalls}`).join(', '),
      met: worst <= 3,
    });
  }
  if (r.burst) {
    const b = r.burst;
    out.push({
      name: `burst of ${b.pushes}: one PR on the newest commit`,
      target: '1 PR, newest image',
      measured: `${b.prsOpen} PR, ${b.onNewest ? 'newest image' : `image ${b.finalImage ?? 'none'}`}`,
      met: b.onNewest,
    });
    out.push({
      name: `burst of ${b.pushes}: git pushes`,
      target: '≤ 2',
      measured: `${b.gitPushes} (idle after ${(b.durationMs / 1000).toFixed(1)} s)`,
      met: b.gitPushes <= 2,
    });
  }
  if (r.attacks) {
    const w = r.attacks.worst;
    out.push({
      name: 'hostile input: worst case of the attack corpus',
      target: '< 1 s, < 256 MB',
      measured: `${w.ms} ms, ${w.maxRssMB} MB peak RSS`,
      met: w.ms < 1000 && w.maxRssMB < 256,
    });
  }
  return out;
}

/** The table `npm run bench` prints. */
export function render(r: BenchResults): string {
  const parts: string[] = [];
  if (r.receiver) {
    const x = r.receiver;
    const cpu = (server: string) => {
      const runs = x.runs.filter((y) => y.server === server);
      const c = runs.map((y) => y.serverCpuMsPerRequest).filter((v): v is number => v !== null);
      return c.length ? `${(c.reduce((a, b) => a + b, 0) / c.length).toFixed(2)} ms` : '?';
    };
    const redis = (server: string) => x.runs.find((y) => y.server === server)?.redis.commands.toFixed(1) ?? '?';
    const redisCpu = (server: string) => `${x.runs.find((y) => y.server === server)?.redisCpuUsPerRequest ?? '?'} µs`;
    const rss = (server: string) => `${x.runs.find((y) => y.server === server)?.serverRssMB ?? '?'} MB`;
    parts.push(
      `1. Receiver (${x.generator}, ${x.concurrency} connections, ${x.durationS} s × ${x.rounds} rounds, medians)`,
    );
    parts.push(
      table(
        ['server', 'req/s', 'p50', 'p99', 'CPU/req', 'RSS', 'Redis cmds/req', 'Redis CPU/req'],
        [
          [
            'bare node:http + HMAC + queue.add',
            String(x.baseline.rps),
            `${x.baseline.p50Ms} ms`,
            `${x.baseline.p99Ms} ms`,
            cpu('baseline'),
            rss('baseline'),
            redis('baseline'),
            redisCpu('baseline'),
          ],
          [
            'dispatchd receiver',
            String(x.dispatchd.rps),
            `${x.dispatchd.p50Ms} ms`,
            `${x.dispatchd.p99Ms} ms`,
            cpu('receiver'),
            rss('receiver'),
            redis('receiver'),
            redisCpu('receiver'),
          ],
          ...(x.split
            ? [
                [
                  'diagnostic: receiver alone (serve), pump in another process',
                  String(x.split.rps),
                  `${x.split.p50Ms} ms`,
                  `${x.split.p99Ms} ms`,
                  cpu('receiver-split'),
                  rss('receiver-split'),
                  redis('receiver-split'),
                  redisCpu('receiver-split'),
                ],
              ]
            : []),
          ['ratio', `${x.ratio.toFixed(2)}×`, '', '', '', '', '', ''],
        ],
      ),
    );
  }
  if (r.pushToPr) {
    const p = r.pushToPr;
    parts.push(
      `2. Push → PR through the GitHub emulator (${p.iterations} sequential pushes; cold first: ${p.coldMs} ms)`,
    );
    parts.push(
      table(
        ['path', 'p50', 'p99', 'max'],
        [
          ['webhook → 202', `${p.accepted.p50Ms} ms`, `${p.accepted.p99Ms} ms`, `${p.accepted.maxMs} ms`],
          ['webhook → PR updated', `${p.dispatchd.p50Ms} ms`, `${p.dispatchd.p99Ms} ms`, `${p.dispatchd.maxMs} ms`],
          ['webhook → status final', `${p.settled.p50Ms} ms`, `${p.settled.p99Ms} ms`, `${p.settled.maxMs} ms`],
          ['floor: git fetch + commit + push', `${p.floor.p50Ms} ms`, `${p.floor.p99Ms} ms`, `${p.floor.maxMs} ms`],
          ['ratio (p50)', `${p.ratio.toFixed(2)}×`, '', ''],
        ],
      ),
    );
    const u = p.perUpdate;
    parts.push(`3. Per environment update (${u.updates} updates)`);
    parts.push(
      table(
        ['', 'max', 'mean'],
        [
          ['PR calls + final status', String(u.updateCalls.max), String(u.updateCalls.mean)],
          ['  of which PR calls', String(u.prCalls.max), String(u.prCalls.mean)],
          ['apart: plan statuses', String(u.planStatusCalls.max), String(u.planStatusCalls.mean)],
          ['apart: tip + ancestry reads', String(u.trustCalls.max), String(u.trustCalls.mean)],
          ['apart: merges', String(u.mergeCalls.max), String(u.mergeCalls.mean)],
          ['git pushes', String(u.gitPushes.max), String(u.gitPushes.mean)],
        ],
      ),
    );
  }
  if (r.perScm) {
    parts.push('3b. Per environment update on every SCM (max over the updates)');
    parts.push(
      table(
        ['SCM', 'PR + final status', 'PR', 'final', 'apart: plan statuses', 'merges', 'other'],
        r.perScm.map((x) =>
          [x.scm, x.updateCalls, x.prCalls, x.finalStatusCalls, x.planStatusCalls, x.mergeCalls, x.otherCalls].map(
            String,
          ),
        ),
      ),
    );
  }
  if (r.burst) {
    const b = r.burst;
    parts.push(`4. Burst of ${b.pushes} pushes to one branch`);
    parts.push(
      table(
        ['', ''],
        [
          ['webhooks answered 202', String(b.accepted)],
          ['git pushes to the GitOps repo', String(b.gitPushes)],
          ['PRs open for the environment', String(b.prsOpen)],
          ['final image on the newest commit', b.onNewest ? 'yes' : `no: ${b.finalImage ?? 'none'}`],
          ['deploy statuses success / other', `${b.statusesSettled} / ${b.statusesNotSuccess}`],
          ['API calls (PR calls)', `${b.apiCalls} (${b.prCalls})`],
          ['first webhook → idle', `${(b.durationMs / 1000).toFixed(1)} s`],
        ],
      ),
    );
  }
  if (r.scale) {
    parts.push('6. Scale out: receivers against one Redis');
    parts.push(
      table(
        ['receivers', 'req/s', 'p99', 'Redis CPU/webhook', 'Redis cmds/webhook', 'one Redis core caps at'],
        r.scale.map((x) => [
          String(x.receivers),
          String(x.rps),
          `${x.p99Ms} ms`,
          `${x.redisCpuUsPerWebhook} µs`,
          String(x.redisCommandsPerWebhook),
          `${x.redisCapRps}/s`,
        ]),
      ),
    );
  }
  if (r.scaleWorkers) {
    parts.push(
      '6b. Scale out: worker processes against one Redis (one receiver, pushes to distinct environments at once)',
    );
    parts.push(
      table(
        [
          'workers',
          'pushes',
          'push → PR p50',
          'p99',
          'updates/s',
          'Redis CPU/webhook',
          'without idle polling',
          'Redis cmds/webhook',
          'idle Redis CPU, cmds per s',
          'worker RSS',
        ],
        r.scaleWorkers.map((x) => [
          String(x.workers),
          String(x.pushes),
          `${x.p50Ms} ms`,
          `${x.p99Ms} ms`,
          String(x.updatesPerS),
          `${x.redisCpuUsPerWebhook} µs`,
          `${x.redisCpuUsPerUpdateNet} µs`,
          String(x.redisCommandsPerWebhook),
          `${x.redisIdleCpuUsPerS} µs, ${x.redisIdleCommandsPerS}`,
          `${x.workerRssMB} MB`,
        ]),
      ),
    );
  }
  if (r.mirrors) {
    const m = r.mirrors;
    parts.push(
      `7. Mirrors: one worker holding ${m.mirrors} GitOps mirrors, ${m.diskKBPerMirror} KB on disk each; RSS ${m.rssStartMB} MB ` +
        `before its first job, ${m.rssFirstMB} MB after one mirror, ${m.rssLastMB} MB after ${m.mirrors} (${m.rssPerMirrorMB} MB per further mirror)`,
    );
  }
  if (r.memory) {
    const m = r.memory;
    parts.push(
      `Memory: the process running workers and emulator ${m.afterPipelineMB ?? '?'} MB RSS after the pushes, ${m.afterBurstMB ?? '?'} ` +
        `MB after the burst; ${m.mirrors} GitOps mirror(s), ${m.mirrors ? Math.round(m.mirrorDiskKB / m.mirrors) : 0} KB on disk each`,
    );
  }
  parts.push('Targets');
  parts.push(
    table(
      ['', 'target', 'measured', ''],
      r.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'met' : 'MISSED']),
    ),
  );
  parts.push(
    `load average ${r.machine.loadavgStart.map((l) => l.toFixed(1)).join(' ')} → ${r.machine.loadavgEnd.map((l) => l.toFixed(1)).join(' ')} on ${r.machine.cpus} CPUs`,
  );
  return parts.join('\n\n');
}
