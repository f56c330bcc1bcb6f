import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The path of a real helm or kubectl, fetched by scripts/fetch-k8s-tool.sh on first use. A failed
 * fetch throws with the script's message: a tool that never ran must not pass as a good result.
 */
export function k8sTool(tool: 'helm' | 'kubectl'): string {
  try {
    return execFileSync('bash', [path.join(repoRoot, 'scripts/fetch-k8s-tool.sh'), tool], {
      encoding: 'utf8',
      timeout: 180_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr || String(err);
    throw new Error(`this test needs ${tool} and scripts/fetch-k8s-tool.sh could not provide it:\n${stderr}`);
  }
}

/** Runs the tool; returns stdout, or throws with its stderr. Bounded so a hung tool ends the test. */
export function run(bin: string, args: string[], cwd: string): string {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}
