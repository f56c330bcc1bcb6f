import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FileTooLargeError } from '../../src/scm/bounded-body.js';
import { TIMEOUT, type RefRig } from './ref-suite.js';

/** A file far past any limit: reading it whole would take tens of MB, the cap must not. */
const HUGE = 24 * 1024 * 1024;
/** What a capped read may hold beyond its limit: one network chunk (64 KiB) of slack, doubled. */
const SLACK = 128 * 1024;

/**
 * readFile's size cap as every ScmProvider must honour it: the pusher chooses how big the
 * Dispatchfile is, so a file over the limit is refused having read the limit and no more.
 */
export function boundedReadTests(rig: () => RefRig): void {
  it(
    'readFile refuses a file over maxBytes having read at most the limit, and reads one within it',
    TIMEOUT,
    async () => {
      const { scm, git, repo, gitName } = rig();
      await git.createRepo(`${gitName}-big`, { files: { 'README.md': 'big\n' } });
      const line = `# ${'x'.repeat(97)}\n`;
      const sha = await git.commit(`${gitName}-big`, 'main', {
        Dispatchfile: line.repeat(HUGE / line.length),
        'small.yaml': 'a: 1\n',
      });
      const bigRepo = repo.endsWith('.git') ? `${repo.slice(0, -4)}-big.git` : `${repo}-big`;
      const err = await scm.readFile(bigRepo, 'Dispatchfile', sha, 1000).then(
        () => assert.fail('a 24 MiB file was read under a 1000-byte limit'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof FileTooLargeError, `expected FileTooLargeError, got ${String(err)}`);
      assert.equal(err.limit, 1000);
      assert.match(err.message, /Dispatchfile is larger than 1000 bytes/);
      assert.ok(err.head.length <= 1000 + SLACK, `read ${err.head.length} bytes past a 1000-byte limit`);
      assert.equal(await scm.readFile(bigRepo, 'small.yaml', sha, 5), 'a: 1\n');
    },
  );
}
