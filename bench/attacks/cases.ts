import { compileGlobs } from '../../src/dispatchfile/glob.js';
import { parseDispatchfile } from '../../src/dispatchfile/index.js';

/** What a pusher controls, sized as the hostile-input issue found it (plus larger variants). */
export const CASES: Record<string, () => string> = {
  // The baseline: an ordinary Dispatchfile, parsed in the same run.
  'baseline: ordinary YAML Dispatchfile': () => outcome(() => parseDispatchfile(ordinary())),
  'YAML alias bomb (~500 bytes)': () => outcome(() => parseDispatchfile(aliasBomb(9))),
  'JSON nested 100,000 deep': () =>
    outcome(() => parseDispatchfile(`#!json\n${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
  'YAML nested 10,000 deep': () =>
    outcome(() => parseDispatchfile(`#!yaml\n${'['.repeat(10_000)}${']'.repeat(10_000)}`)),
  'CUE nested 50,000 deep': () => outcome(() => parseDispatchfile(`x: ${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}`)),
  '300 KiB Dispatchfile': () => outcome(() => parseDispatchfile(`#!yaml\n# ${'x'.repeat(300 * 1024)}\n`)),
  'glob *a*a*a*a*a*a*a*a*a*a*b vs 36 chars': () =>
    outcome(() => compileGlobs(['*a*a*a*a*a*a*a*a*a*a*b']).matches('a'.repeat(36))),
  'glob *a*a*a*a*a*a*a*a*a*a*b vs 10,000 chars': () =>
    outcome(() => compileGlobs(['*a*a*a*a*a*a*a*a*a*a*b']).matches('a'.repeat(10_000))),
  'glob **/**/**/… (20) vs 2,000 segments': () =>
    outcome(() => compileGlobs([Array(20).fill('**').join('/') + '/x']).matches(Array(2000).fill('a').join('/'))),
};

function outcome(run: () => unknown): string {
  try {
    const r = run();
    return typeof r === 'boolean' ? `matched: ${r}` : 'parsed';
  } catch (err) {
    return `refused: ${(err as Error).message.split('\n').slice(0, 2).join(' ').slice(0, 160)}`;
  }
}

function aliasBomb(levels: number): string {
  const lines = ['#!yaml', 'a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

function ordinary(): string {
  return `#!yaml
resource:
  src-git: {type: git, param: {url: "$(context.git.url)", revision: "$(context.git.commit)"}}
  docker-image: {type: image, param: {url: "registry.example.com/acme/app:$(context.build.name)"}}
  gitops-git: {type: git, param: {url: "https://github.com/acme/app-gitops"}}
task:
  build: {inputs: [src-git], outputs: [docker-image], steps: [{name: build, image: "gcr.io/kaniko-project/executor:latest"}]}
  deploy:
    inputs: [docker-image, gitops-git]
    steps:
      - name: update-gitops-repo
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: /workspace/gitops-git
        args: ["-git-revision=$(context.git.commit)", "-substitute=imageName=$(inputs.resources.docker-image.url)", "-filepath=$(context.build.name)/**"]
actions:
  - tasks: [build, deploy]
    on: {push: {branches: [staging, production]}}
`;
}
