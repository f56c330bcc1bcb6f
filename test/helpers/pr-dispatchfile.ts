/** What a Dispatchfile's `on pull_request` action asks for, for tests of pull-request triggers. */
export interface PrDispatchfileOptions {
  /** The GitOps repository's clone URL. */
  gitopsUrl: string;
  /** The directory the action's update writes (`-filepath=<dir>/**`); default `previews`. */
  dir?: string;
  /** The pull_request condition, as YAML flow text; default `{targets: ["main"]}`. */
  condition?: string;
  /** A second action, fired by pushes to main, writing staging (a push and a PR trigger side by side). */
  withPush?: boolean;
}

/**
 * A YAML Dispatchfile: an image named after the commit, and a GitOps task rendering the
 * directory's templates with that image, fired by a pull request (and, if asked, by pushes).
 */
export function prDispatchfile(o: PrDispatchfileOptions): string {
  const dir = o.dir ?? 'previews';
  const deploy = (name: string, d: string) => `  ${name}:
    inputs: [docker-image, gitops-git]
    steps:
      - name: update-gitops-repo
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: /workspace/gitops-git
        args: ["-substitute=imageName=$(inputs.resources.docker-image.url)", "-filepath=${d}/**"]
`;
  return `#!yaml
resource:
  docker-image:
    type: image
    param:
      url: registry.example.com/acme/hello-world:$(context.git.commit)
  gitops-git:
    type: git
    param:
      url: ${o.gitopsUrl}
task:
  build:
    outputs: [docker-image]
    steps:
      - name: build
        image: gcr.io/kaniko-project/executor:latest
${deploy('preview', dir)}${o.withPush ? deploy('deploy', 'staging') : ''}actions:
  - tasks: [build, preview]
    on:
      pull_request: ${o.condition ?? '{targets: ["main"]}'}
${o.withPush ? '  - tasks: [build, deploy]\n    on:\n      push: {branches: ["main"]}\n' : ''}`;
}
