import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DispatchfileError, matchActions, parseDispatchfile, planTasks } from '../../src/dispatchfile/index.js';

/**
 * The Dispatch documentation in test/fixtures/seeds (copied from the project's shared seeds) is
 * the reference: its Dispatchfile snippets, assembled as a team would assemble them, must parse
 * unchanged.
 */
const SEEDS = new URL('../fixtures/seeds/', import.meta.url);
const rolling = readFileSync(new URL('dispatch-gitops-rolling-deployments.txt', SEEDS), 'utf8');

function snippets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^([ \t]*)```(?:bash|cue)\n([\s\S]*?)^[ \t]*```/gm)) {
    const indent = m[1] ?? '';
    const body = (m[2] ?? '')
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    if (/^\s*(resource|task|actions)\b/.test(body)) out.push(body);
  }
  return out;
}

/** What the tutorial's earlier chapter defined (the app's source, image and build task). */
const PRELUDE = `#!mesosphere/dispatch-cue:v0.6
resource "src-git": {
  type: "git"
  param url: "$(context.git.url)"
  param revision: "$(context.git.commit)"
}

resource "docker-image": {
  type: "image"
  param url: "your-dockerhub-user/hello-world:$(context.build.name)"
  param digest: "$(inputs.resources.docker-image.digest)"
}

task "build": {
  inputs: ["src-git"]
  outputs: ["docker-image"]
  steps: [
    {
      name: "build-and-push"
      image: "chhsiao/kaniko-executor"
      args: ["--destination=$(outputs.resources.docker-image.url)", "--context=/workspace/src-git"]
    }
  ]
}
`;

describe('the Dispatch GitOps tutorial (seeds/dispatch-gitops-rolling-deployments.txt)', () => {
  const all = snippets(rolling);
  const resources = all.filter((s) => s.trimStart().startsWith('resource'));
  const tasks = all.filter((s) => s.trimStart().startsWith('task'));
  const actions = all.filter((s) => s.trimStart().startsWith('actions') && s.includes('"deploy"'));

  it('has the snippets this test assembles', () => {
    assert.equal(resources.length, 2);
    assert.equal(tasks.length, 5, 'four SCM variants and the plain deploy task');
    assert.equal(actions.length, 2);
  });

  for (const [i, task] of tasks.entries()) {
    const provider = /-scm-provider=([\w-]+)/.exec(task)?.[1] ?? 'default';
    it(`deploy task variant ${i + 1} (${provider}) parses, matches master, plans build → deploy`, () => {
      const text = [PRELUDE, resources[0], task, actions[0]].join('\n');
      const df = parseDispatchfile(text, 'Dispatchfile');
      assert.deepEqual(df.resources['gitops-git'], {
        type: 'git',
        params: { url: 'https://github.com/your-github-user/cicd-hello-world-gitops' },
      });
      const step = df.tasks['deploy']?.steps[0];
      assert.equal(step?.image, 'mesosphere/update-gitops-repo:1.2.0');
      assert.equal(step?.workingDir, '/workspace/gitops-git');
      assert.equal(
        step?.args[1],
        '-substitute=imageName=your-dockerhub-user/hello-world@$(inputs.resources.docker-image.digest)',
      );
      if (provider !== 'default') assert.equal(step?.args[2], `-scm-provider=${provider}`);
      const matched = matchActions(df, { kind: 'push', branch: 'master' });
      assert.deepEqual(
        matched.map((a) => a.tasks),
        [['build', 'deploy']],
      );
      assert.deepEqual(
        planTasks(df, ['build', 'deploy']).map((p) => `${p.name}:${p.kind}`),
        ['build:image', 'deploy:gitops'],
      );
      assert.deepEqual(matchActions(df, { kind: 'push', branch: 'feature' }), []);
    });
  }
});

describe('the multi-cluster tutorial (seeds/deploy-to-multiple-clusters.txt)', () => {
  it('lost its braces when it was scraped, and the error points at the first broken line', () => {
    const page = readFileSync(new URL('deploy-to-multiple-clusters.txt', SEEDS), 'utf8');
    const start = page.indexOf('task "deploy": {');
    const end = page.indexOf('The only change');
    const text = page.slice(start, end);
    assert.throws(
      () => parseDispatchfile(text),
      (err: unknown) => {
        assert.ok(err instanceof DispatchfileError);
        assert.deepEqual(
          err.problems.map((p) => [p.line, p.col]),
          [[4, 7]],
        );
        assert.match(
          err.message,
          /a list element cannot be a field \(`name: …`\); wrap the fields of each element in \{ \}/,
        );
        return true;
      },
    );
  });
});
