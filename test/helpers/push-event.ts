import type { PushEvent } from '../../src/core/push-event.js';

/**
 * A push as a parser makes it, for tests that start after the receiver: `acme/app`'s `main` on
 * host `github` unless told otherwise. `repo` names the repository, whose URLs follow `base` (an
 * emulator's url); `refName` follows `ref`.
 */
export function pushEvent(o: Partial<Omit<PushEvent, 'repo'>> & { repo?: string; base?: string } = {}): PushEvent {
  const { base = 'https://g', repo = 'acme/app', ...given } = o;
  const ref = given.ref ?? 'refs/heads/main';
  return {
    host: 'github',
    scm: 'github',
    deliveryId: 'd-1',
    repo: { fullName: repo, cloneUrl: `${base}/${repo}.git`, webUrl: `${base}/${repo}` },
    ref,
    refType: 'branch',
    refName: ref.replace(/^refs\/(heads|tags)\//, ''),
    before: '0'.repeat(40),
    after: 'a'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    pusher: 'dev',
    receivedAt: Date.now(),
    ...given,
  };
}
