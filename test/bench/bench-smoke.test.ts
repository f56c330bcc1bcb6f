import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { BenchResults } from '../../bench/report.js';
import { nodeEntry, REPO_ROOT } from '../helpers/node-entry.js';

const run = promisify(execFile);
const ROOT = REPO_ROOT;

describe('npm run bench, tiny counts', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it(
    'writes results.json with every figure, its baseline and the judged targets, and prints the table',
    { timeout: 240_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dispatchd-bench-smoke-'));
      dirs.push(dir);
      const out = join(dir, 'results.json');
      // The node load loop: a test never installs wrk.
      const { stdout } = await run(
        process.execPath,
        [
          ...nodeEntry('bench/run.ts'),
          '--rounds',
          '1',
          '--duration',
          '1',
          '--warmup',
          '0',
          '--generator',
          'node',
          '--iterations',
          '2',
          '--burst',
          '4',
          '--bodies',
          '20000',
          // The scale and mirror sections with one worker process each: their code paths, cheaply.
          '--workers',
          '1',
          '--scale-pushes',
          '2',
          '--mirrors',
          '2',
          // Every section but the per-SCM one (four stacks: too slow for the suite).
          '--only',
          'receiver,pipeline,burst,attacks,scale,mirrors',
          '--out',
          out,
        ],
        { cwd: ROOT, timeout: 230_000 },
      );
      const r = JSON.parse(await readFile(out, 'utf8')) as BenchResults;

      assert.equal(r.receiver?.generator, 'node');
      assert.deepEqual(r.receiver.runs.map((x) => x.server).sort(), ['baseline', 'receiver']);
      for (const x of r.receiver.runs) {
        assert.ok(x.ok > 0 && x.failed === 0, `${x.server}: ${x.ok} ok, ${x.failed} failed`);
        assert.ok(x.queued >= x.ok, `${x.server}: every 202 is a job in Redis (${x.queued} queued, ${x.ok} ok)`);
        assert.ok(x.redis.commands > 0);
      }
      assert.ok(r.receiver.ratio > 0 && Number.isFinite(r.receiver.ratio));

      const p = r.pushToPr!;
      assert.equal(p.dispatchd.n, 2);
      assert.ok(p.floor.p50Ms > 0 && p.dispatchd.p50Ms > 0 && p.ratio > 0);
      assert.ok(
        p.timeline.some((l) => /PATCH \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\} 200/.test(l)),
        p.timeline.join('\n'),
      );
      assert.equal(p.perUpdate.gitPushes.max, 1, 'one git push per environment update');
      assert.ok(p.perUpdate.prCalls.max <= 3);
      assert.ok(
        p.perUpdate.updateCalls.max >= p.perUpdate.prCalls.max + 1,
        'the final status is counted with the update',
      );

      const b = r.burst!;
      assert.equal(b.accepted, 4);
      assert.equal(b.prsOpen, 1);
      assert.equal(b.finalImage, b.expectedImage);
      assert.ok(b.gitPushes >= 1 && b.gitPushes <= 4);

      assert.deepEqual(
        r.targets.map((t) => t.name.replace(/burst of \d+/, 'burst of N')),
        [
          'receiver throughput vs bare baseline',
          'push → PR p50 vs bare git floor',
          'push → PR p50',
          'PR + final status calls per update',
          'burst of N: one PR on the newest commit',
          'burst of N: git pushes',
          'hostile input: worst case of the attack corpus',
        ],
      );
      assert.deepEqual(
        r.scale?.map((x) => x.receivers),
        [1, 2],
      );
      for (const x of r.scale!) assert.ok(x.queued > 0 && x.redisCpuUsPerWebhook > 0, JSON.stringify(x));
      // Both pushes reached their PRs (the section throws otherwise) through a worker process.
      const w = r.scaleWorkers?.[0];
      assert.ok(w && w.workers === 1 && w.pushes === 2, JSON.stringify(r.scaleWorkers));
      assert.ok(
        w.p50Ms > 0 && w.updatesPerS > 0 && w.redisCommandsPerWebhook > 0 && w.workerRssMB > 0,
        JSON.stringify(w),
      );
      // Two GitOps repositories updated by one worker: it holds a mirror of each, on disk.
      const m = r.mirrors!;
      assert.equal(m.mirrors, 2);
      assert.ok(m.diskKBPerMirror > 0 && m.rssStartMB > 0 && m.rssLastMB > 0, JSON.stringify(m));
      assert.match(stdout, /6b\. Scale out: worker processes/);
      assert.match(stdout, /7\. Mirrors: one worker holding 2 GitOps mirrors/);
      const attacks = r.attacks!;
      assert.match(attacks.cases[0]!.name, /^baseline/);
      assert.ok(attacks.cases.length >= 8);
      for (const c of attacks.cases)
        assert.ok(c.ms !== null && !/did not finish/.test(c.outcome), `${c.name}: ${c.outcome}`);
      assert.match(stdout, /Targets/);
      assert.match(stdout, /bare node:http \+ HMAC \+ queue\.add/);
    },
  );
});
