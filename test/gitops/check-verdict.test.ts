import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkVerdict, describeFailed } from '../../src/gitops/check-verdict.js';
import type { CommitStatus } from '../../src/scm/contracts.js';

const s = (context: string, state: CommitStatus['state'], description = ''): CommitStatus => ({
  context,
  state,
  description,
});

describe('merge when green: the verdict on a head commit', () => {
  it('is green only when every reported check succeeded and every required one reported', () => {
    assert.deepEqual(checkVerdict([s('a', 'success'), s('b', 'success')], ['a']), {
      verdict: 'green',
      passed: ['a', 'b'],
    });
    assert.deepEqual(checkVerdict([s('a', 'success')], ['a', 'b']), { verdict: 'pending', waiting: ['b'] });
    assert.deepEqual(checkVerdict([s('a', 'pending'), s('b', 'success')], []), { verdict: 'pending', waiting: ['a'] });
  });

  it('nothing required and nothing reported is green, as the SCMs auto-merge a branch that requires nothing', () => {
    assert.equal(checkVerdict([], []).verdict, 'green');
  });

  it('a failure or an error anywhere fails at once, even while others are pending or missing', () => {
    const v = checkVerdict([s('a', 'pending'), s('b', 'failure', '2 failed'), s('c', 'error', 'cancelled')], ['d']);
    assert.equal(v.verdict, 'failed');
    assert.equal(
      describeFailed(v.verdict === 'failed' ? v.failed : []),
      '`b` failed (2 failed), `c` stopped (cancelled)',
    );
  });
});
