/** One attack case in a process of its own: `case.ts <name>` prints {ms, maxRssMB, outcome}. */
import { CASES } from './cases.js';

const name = process.argv[2] ?? '';
const run = CASES[name];
if (!run) {
  process.stderr.write(`unknown case "${name}"\n`);
  process.exit(2);
}
const t0 = performance.now();
const outcome = run();
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ ms: Math.round(ms * 100) / 100, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), outcome })}\n`,
);
