/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), for docs/benchmark.md:
 *   node --import tsx bench/lib/profile-top.ts <file.cpuprofile> [count] [inclusive]
 * Self time of each sample goes to the function on top of the stack; functions are keyed by name
 * and file so that the same function from many call sites sums up.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Top functions by self time, or with `inclusive` by total time (the sample counted once for
 * every distinct function on its stack). Shares are of the non-idle samples.
 */
export function topSelfTime(
  profile: Profile,
  count: number,
  inclusive = false,
): { fn: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number) => {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|workers)\//, '$1/');
    return `${f.functionName || '(anonymous)'} ${file}`.trim();
  };
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const dt = profile.timeDeltas[i] ?? 0;
    const stack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = inclusive ? parent.get(at) : undefined)
      stack.add(keyOf(at));
    for (const key of stack) self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: Math.round((1000 * us) / total) / 10 }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [file, count, mode] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-top.ts <file.cpuprofile> [count] [inclusive]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  for (const r of topSelfTime(profile, Number(count ?? 25), mode === 'inclusive'))
    console.log(`${String(r.share).padStart(5)} %  ${String(r.ms).padStart(6)} ms  ${r.fn}`);
}
