import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function sizeKB(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.blocks * 0.5;
  let total = s.blocks * 0.5;
  for (const e of await readdir(path)) total += await sizeKB(join(path, e));
  return total;
}

/** The GitOps mirrors a worker keeps under its data dir: how many, and their disk use (KB, allocated blocks). */
export async function mirrorsOnDisk(dir: string): Promise<{ mirrors: number; mirrorDiskKB: number }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let total = 0;
  for (const n of names) total += await sizeKB(join(dir, n));
  return { mirrors: names.length, mirrorDiskKB: Math.round(total) };
}
