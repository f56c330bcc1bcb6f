/**
 * The fast-check seed for this run: FC_SEED when set (to replay a failure), else from the clock.
 * Logged so a failing run can be reproduced exactly.
 */
export function fuzzSeed(label: string): number {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  console.log(`${label}: fast-check seed ${seed} (rerun with FC_SEED=${seed})`);
  return seed;
}
