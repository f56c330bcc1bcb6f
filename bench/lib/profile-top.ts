/**
 * Where a V8 CPU profile (`node --cpu-prof`, `npm run bench -- --profile <dir>`) spent its time,
 * for docs/benchmark.md:
 *   node --import tsx bench/lib/profile-top.ts <file.cpuprofile> [count] [self|inclusive|owner] [requests]
 * - self: functions by self time (the sample goes to the function on top of the stack);
 * - inclusive: by total time (a sample counts once for every distinct function on its stack);
 * - owner: by the nearest frame of dispatchd's own code (src/, workers/, bench/) on the stack,
 *   else the npm package, else Node's own function: "which of our functions caused this".
 * Start-up (module loading, tsx's compile) and idle samples are left out; with `requests`, each
 * line also says µs per request. Functions are keyed by name and file, so call sites sum up.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string };
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
export type Mode = 'self' | 'inclusive' | 'owner';

const STARTUP = /modules\/(esm|cjs)|tsx\/dist|cjs-module-lexer|bootstrap/;
const OURS = /\/(src|bench|workers)\//;

export function topTime(
  profile: Profile,
  count: number,
  mode: Mode = 'self',
): { fn: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frame = (id: number) => byId.get(id)!.callFrame;
  const keyOf = (id: number) => {
    const f = frame(id);
    const file = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|workers)\//, '$1/');
    return `${f.functionName || '(anonymous)'} ${file}`.trim();
  };
  const stackOf = (id: number) => {
    const out: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) out.push(at);
    return out;
  };
  const ownerOf = (stack: number[]) => {
    let pkg: string | undefined;
    for (const at of stack) {
      const url = frame(at).url;
      if (OURS.test(url) && !url.includes('node_modules')) return `ours: ${keyOf(at)}`;
      if (!pkg && url.includes('node_modules/')) pkg = `package: ${url.split('node_modules/')[1]!.split('/')[0]}`;
    }
    return pkg ?? `node: ${keyOf(stack[0]!)}`;
  };
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (frame(id).functionName === '(idle)') return;
    const stack = stackOf(id);
    if (stack.some((at) => STARTUP.test(frame(at).url) || frame(at).functionName === 'evaluate')) return;
    const dt = profile.timeDeltas[i] ?? 0;
    const keys =
      mode === 'owner' ? [ownerOf(stack)] : mode === 'inclusive' ? [...new Set(stack.map(keyOf))] : [keyOf(id)];
    for (const key of keys) time.set(key, (time.get(key) ?? 0) + dt);
    total += dt;
  });
  time.set('(total, start-up and idle left out)', total);
  return [...time.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count + 1)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: Math.round((1000 * us) / Math.max(1, total)) / 10 }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [file, count, mode, requests] = process.argv.slice(2);
  if (!file || (mode && !['self', 'inclusive', 'owner'].includes(mode))) {
    console.error('usage: profile-top.ts <file.cpuprofile> [count] [self|inclusive|owner] [requests]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const perRequest = (ms: number) =>
    requests ? `${((ms * 1000) / Number(requests)).toFixed(0).padStart(5)} µs/req  ` : '';
  for (const r of topTime(profile, Number(count ?? 25), (mode ?? 'self') as Mode))
    console.log(`${String(r.share).padStart(5)} %  ${String(r.ms).padStart(6)} ms  ${perRequest(r.ms)}${r.fn}`);
}
