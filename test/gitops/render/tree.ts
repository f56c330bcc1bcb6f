import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE = fileURLToPath(new URL('../../fixtures/gitops-tree', import.meta.url));
export const GOLDEN = fileURLToPath(new URL('./golden', import.meta.url));

/** The values the golden outputs were rendered with. */
export const GOLDEN_VALUES = {
  imageName:
    'registry.example.com/acme/hello-world@sha256:2222222222222222222222222222222222222222222222222222222222222222',
  replicas: '2',
  revision: '2222222222222222222222222222222222222222',
  note: "rollout <fast> & 'safe'",
};
export const GOLDEN_REVISION = '2222222222222222222222222222222222222222';
export const GOLDEN_SOURCE = 'github:acme/hello-world';

/** A throwaway copy of the fixture tree, so tests can add symlinks and write freely. */
export async function copyOfTree(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const base = await realpath(await mkdtemp(path.join(tmpdir(), 'dispatchd-render-')));
  const root = path.join(base, 'gitops');
  await cp(FIXTURE, root, { recursive: true });
  return { root, cleanup: () => rm(base, { recursive: true, force: true }) };
}
