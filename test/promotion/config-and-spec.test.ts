import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import type { EnvUpdateSpec } from '../../src/core/env-update.js';
import { checkFedByPush, chains } from '../../src/config/chains.js';
import { promotedSpec } from '../../src/promotion/promote-spec.js';

const config = (promotions: string) => `
hosts:
  github: { kind: github, url: https://github.com, token: t, webhookSecret: s }
gitops:
  - repo: github:acme/gitops
    allow: [{ from: "github:acme/*" }]
    promotions: ${promotions}
`;

function problems(text: string): string {
  try {
    parseConfig(text, {});
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('expected a ConfigError');
}

const spec = (over: Partial<EnvUpdateSpec> = {}): EnvUpdateSpec => ({
  seq: 7,
  source: {
    host: 'github',
    fullName: 'acme/app',
    sha: 'a'.repeat(40),
    ref: 'refs/heads/main',
    refName: 'main',
    pusher: 'jdoe',
    webUrl: 'https://github.com/acme/app',
    commitUrl: 'https://github.com/acme/app/commit/aaa',
    deliveryId: 'd1',
  },
  task: 'deploy',
  args: [
    '-substitute=imageName=registry.example.com/app@sha256:0123',
    '-filepath=staging/**',
    '-branch=dispatchd/github/acme/app/staging-x',
    '-merge-pull-request',
  ],
  workingSubdir: '',
  target: { host: 'github', fullName: 'acme/gitops' },
  images: { 'docker-image': 'registry.example.com/app@sha256:0123' },
  envDir: 'staging',
  receivedAt: 1,
  ...over,
});

describe('promotion chains in the config', () => {
  it('are read with their defaults, directories normalised', () => {
    const c = parseConfig(
      config('[{ from: ./staging/, to: production, gate: { status: { context: argocd/app } } }]'),
      {},
    );
    const [link] = chains(c);
    assert.deepEqual(
      { ...link },
      {
        repo: 'github:acme/gitops',
        from: 'staging',
        to: 'production',
        gate: { status: { context: 'argocd/app', state: 'success' }, soak: 0 },
        merge: false,
        pushes: false,
        timeout: '24h',
      },
    );
  });

  it('refuse a gate with nothing to wait for, a link onto itself, and two links into one environment', () => {
    const msg = problems(
      config(
        '[{ from: staging, to: staging, gate: {} }, { from: a, to: production, gate: { soak: 5m } }, { from: b, to: production, gate: { soak: 1m } }]',
      ),
    );
    assert.match(msg, /a gate needs a status, the Argo CD API, a soak time, or some of them/);
    assert.match(msg, /from and to name the same directory/);
    assert.match(msg, /"production" is already fed by link 1: one environment has one predecessor/);
  });
});

describe('the promoted update', () => {
  const link = {
    repo: 'github:acme/gitops',
    from: 'staging',
    to: 'production',
    gate: { soak: '5m' },
    merge: false,
    pushes: false,
    timeout: '24h',
  };
  const origin = { fromDir: 'staging', gitopsCommit: 'b'.repeat(40), gate: 'soak 5m on bbbbbbb' };

  it('keeps the values and pinned images, moves -filepath, drops the head branch and the merge flag', () => {
    const applied = { spec: spec(), gitopsCommit: 'c'.repeat(40), branch: 'x', at: 1 };
    const { spec: p } = promotedSpec(applied, link, origin, 9, 2);
    assert.deepEqual(p.args, ['-substitute=imageName=registry.example.com/app@sha256:0123', '-filepath=production/**']);
    assert.equal(p.envDir, 'production');
    assert.deepEqual(p.images, applied.spec.images);
    assert.equal(p.source.sha, applied.spec.source.sha);
    assert.deepEqual(p.promotion, origin);
    const merged = promotedSpec(applied, { ...link, merge: true }, origin, 9, 2).spec;
    assert.ok(merged.args.includes('-merge-pull-request'));
  });

  it('moves a working subdirectory that names the environment', () => {
    const applied = {
      spec: spec({ args: ['-substitute=imageName=x'], workingSubdir: 'staging' }),
      gitopsCommit: 'c'.repeat(40),
      branch: 'x',
      at: 1,
    };
    const { spec: p } = promotedSpec(applied, link, origin, 9, 2);
    assert.equal(p.workingSubdir, 'production');
    assert.equal(p.envDir, 'production');
  });

  it('refuses an update whose templates are not selected by the environment directory', () => {
    const applied = {
      spec: spec({ args: ['-filepath=apps/**'], workingSubdir: '', envDir: 'apps' }),
      gitopsCommit: 'c'.repeat(40),
      branch: 'x',
      at: 1,
    };
    assert.throws(() => promotedSpec(applied, link, origin, 9, 2), /cannot promote staging to production/);
  });

  it('a push planned straight for a chain-fed environment is refused unless the link allows pushes', () => {
    const c = parseConfig(config('[{ from: staging, to: production, gate: { soak: 1m } }]'), {});
    assert.throws(
      () => checkFedByPush(c, spec({ envDir: 'production' })),
      /production of acme\/gitops is fed by promotion from staging .*set pushes: true/,
    );
    checkFedByPush(c, spec({ envDir: 'staging' }));
    checkFedByPush(c, spec({ envDir: 'production', promotion: origin }));
    const open = parseConfig(config('[{ from: staging, to: production, gate: { soak: 1m }, pushes: true }]'), {});
    checkFedByPush(open, spec({ envDir: 'production' }));
  });
});
