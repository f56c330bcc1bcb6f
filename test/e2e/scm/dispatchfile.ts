/**
 * The suite's Dispatchfile: the GitOps tutorial's build + deploy, fired by pushes to staging or
 * production that touch `VERSION` or `src/**` (so a docs-only push must start nothing).
 */
export function scmDispatchfile(gitopsUrl: string, provider: string): string {
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
actions:
  - tasks: [build, deploy]
    on:
      push:
        branches: [staging, production]
        paths: ["VERSION", "src/**"]
`;
}
