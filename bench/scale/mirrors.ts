import { join } from 'node:path';
import { mirrorsOnDisk } from '../lib/disk.js';
import { rssMB } from '../lib/child.js';
import { round } from '../lib/stats.js';
import { branchName, startFleet } from './fleet.js';

export interface MirrorsResult {
  /** GitOps repositories the one worker process updated, one push each: it holds a mirror of each. */
  mirrors: number;
  /** Mean disk use of one mirror (allocated blocks, KB). */
  diskKBPerMirror: number;
  /** Worker process RSS before its first job, after the first update, and after the last (MB). */
  rssStartMB: number;
  rssFirstMB: number;
  rssLastMB: number;
  /** (last − first) / (mirrors − 1): what each further mirror added to the worker's RSS, MB. */
  rssPerMirrorMB: number;
}

/**
 * Section 7: one worker process updates `mirrors` distinct GitOps repositories (small ones:
 * one rendered file), one after the other, so that it ends holding a mirror of each; its RSS is
 * read after every update and the mirrors' disk use at the end.
 */
export async function benchMirrors(o: { mirrors: number; log: (l: string) => void }): Promise<MirrorsResult> {
  const fleet = await startFleet({ apps: o.mirrors, gitops: o.mirrors, branches: 1 }, 1);
  try {
    const pid = fleet.workers[0]!.process.pid;
    const rss: number[] = [(await rssMB(pid)) ?? 0];
    for (let i = 0; i < o.mirrors; i++) {
      const c = await fleet.commit(i, branchName(0), '1.0.0');
      const status = await fleet.deliver(i, branchName(0), c.before, c.sha);
      if (status !== 202) throw new Error(`webhook answered ${status}, expected 202`);
      const deadline = Date.now() + 120_000;
      while (!fleet.settled(i, c.sha)) {
        if (Date.now() > deadline) throw new Error(`app ${i}: no final deploy status after 120 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      await fleet.idle(60_000);
      rss.push((await rssMB(pid)) ?? 0);
    }
    const disk = await mirrorsOnDisk(join(fleet.dataDirs[0]!, 'mirrors'));
    const result: MirrorsResult = {
      mirrors: disk.mirrors,
      diskKBPerMirror: round(disk.mirrorDiskKB / Math.max(1, disk.mirrors), 0),
      rssStartMB: rss[0]!,
      rssFirstMB: rss[1]!,
      rssLastMB: rss[rss.length - 1]!,
      rssPerMirrorMB: o.mirrors > 1 ? round((rss[rss.length - 1]! - rss[1]!) / (o.mirrors - 1), 2) : 0,
    };
    o.log(
      `  ${result.mirrors} mirrors: ${result.diskKBPerMirror} KB on disk each; worker RSS ${result.rssStartMB} MB before any job, ` +
        `${result.rssFirstMB} MB after the first, ${result.rssLastMB} MB after the last (${result.rssPerMirrorMB} MB per further mirror)`,
    );
    return result;
  } finally {
    await fleet.close();
  }
}
