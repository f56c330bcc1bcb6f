import { readFileSync } from 'node:fs';

/**
 * A Dispatchfile (YAML form) in the shape of the Dispatch GitOps tutorial; `paths`, when given,
 * limits the push condition to changes under those globs.
 */
export function dispatchfile(gitopsUrl: string, provider: string, extraArgs: string[] = [], paths?: string[]): string {
  return `#!yaml
resource:
  src-git:
    type: git
    param:
      url: $(context.git.url)
      revision: $(context.git.commit)
  docker-image:
    type: image
    param:
      url: registry.example.com/acme/hello-world:$(context.build.name)-$(context.git.commit)
  gitops-git:
    type: git
    param:
      url: ${gitopsUrl}
task:
  build:
    inputs: [src-git]
    outputs: [docker-image]
    steps:
      - name: build
        image: gcr.io/kaniko-project/executor:latest
        args: ["--destination=$(outputs.resources.docker-image.url)"]
  deploy:
    inputs: [docker-image, gitops-git]
    steps:
      - name: update-gitops-repo
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: /workspace/gitops-git
        args:
          - -git-revision=$(context.git.commit)
          - -substitute=imageName=$(inputs.resources.docker-image.url)
          - -filepath=$(context.build.name)/**
          - -scm-provider=${provider}
${extraArgs.map((a) => `          - ${a}`).join('\n')}
actions:
  - tasks: [build, deploy]
    on:
      push:
        branches: [staging, production]
${paths ? `        paths: ${JSON.stringify(paths)}\n` : ''}`;
}

export const gitopsFiles = {
  'README.md': '# gitops\n',
  'staging/application.yaml.tmpl':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello-world\n  namespace: staging\nspec:\n  ' +
    'template:\n    spec:\n      containers:\n        - name: hello-world\n          image: $({ .imageName })\n',
  'production/application.yaml.tmpl':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello-world\n  namespace: production\nspec:\n  ' +
    'template:\n    spec:\n      containers:\n        - name: hello-world\n          image: $({ .imageName })\n',
};

export const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);

export function fixture(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as Record<string, unknown>;
}

/** Waits for `check` to return a value (not undefined), polling. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
