import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeEntry } from '../../test/helpers/node-entry.js';
import { CASES } from './cases.js';

export interface AttackCase {
  name: string;
  ms: number | null;
  maxRssMB: number | null;
  outcome: string;
  /** Time against the ordinary Dispatchfile's, measured in the same run. */
  timeRatio: number | null;
}
export interface AttacksResult {
  cases: AttackCase[];
  worst: { ms: number; maxRssMB: number };
}

const CHILD = fileURLToPath(new URL('./case.ts', import.meta.url));
// A case that needs more than this is itself the finding: it is stopped and reported as such.
const LIMIT = { ms: 60_000, heapMB: 512 };

function runCase(name: string): Promise<Omit<AttackCase, 'timeRatio'>> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`--max-old-space-size=${LIMIT.heapMB}`, ...nodeEntry(CHILD), name],
      { timeout: LIMIT.ms },
      (err, stdout) => {
        const line = String(stdout).trim().split('\n').pop() ?? '';
        try {
          resolve({ name, ...(JSON.parse(line) as { ms: number; maxRssMB: number; outcome: string }) });
        } catch {
          resolve({
            name,
            ms: null,
            maxRssMB: null,
            outcome: `did not finish within ${LIMIT.ms / 1000} s / ${LIMIT.heapMB} MB heap (${(err as Error | null)?.message.split('\n')[0] ?? 'no output'})`,
          });
        }
      },
    );
  });
}

/** The hostile-input corpus, each case in its own process: time, peak RSS, what happened. */
export async function benchAttacks(log: (line: string) => void): Promise<AttacksResult> {
  const raw: Omit<AttackCase, 'timeRatio'>[] = [];
  for (const name of Object.keys(CASES)) {
    const r = await runCase(name);
    log(`   ${name}: ${r.ms ?? '—'} ms, ${r.maxRssMB ?? '—'} MB, ${r.outcome.slice(0, 80)}`);
    raw.push(r);
  }
  const base = raw[0]?.ms ?? null;
  const cases = raw.map((r) => ({
    ...r,
    timeRatio: r.ms !== null && base ? Math.round((r.ms / base) * 100) / 100 : null,
  }));
  const attacks = cases.slice(1);
  return {
    cases,
    worst: {
      ms: Math.max(...attacks.map((c) => c.ms ?? LIMIT.ms)),
      maxRssMB: Math.max(...attacks.map((c) => c.maxRssMB ?? LIMIT.heapMB)),
    },
  };
}
