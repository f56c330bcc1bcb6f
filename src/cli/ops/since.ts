import { UsageError } from './io.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO time (`2024-05-01T12:00:00Z`) or an age (`90s`, `30m`, `2h`, `7d`) before `now`. */
export function parseSince(text: string, now: number): number {
  const age = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (age) return now - Number(age[1]) * UNIT_MS[age[2]!]!;
  // A bare date or a time with a zone; Date.parse alone would also take "5" as the year 2005.
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at))
    throw new UsageError(
      `--since "${text}": give an ISO time (e.g. 2024-05-01T12:00:00Z) or an age such as 30m, 2h or 7d`,
    );
  if (at > now) throw new UsageError(`--since ${text} is in the future; give a time before now`);
  return at;
}
