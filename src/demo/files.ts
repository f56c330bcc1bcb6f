/** The offline demo's two repositories: an application with a Dispatchfile, and its GitOps repo. */
export function appFiles(gitopsUrl: string): Record<string, string> {
  return {
    'README.md': '# hello-world\nThe demo application. Push to `staging` or `production` to deploy.\n',
    VERSION: '1.0.0\n',
    Dispatchfile: `#!mesosphere/dispatch-yaml:v0.6
# Pushes to staging or production build an image reference and update that environment.
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
      - name: build-and-push
        image: gcr.io/kaniko-project/executor:latest
        args: ["--destination=$(outputs.resources.docker-image.url)", "--context=/workspace/src-git"]
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
actions:
  - tasks: [build, deploy]
    on:
      push:
        branches: [staging, production]
`,
  };
}

const deployment = (env: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-world
  namespace: ${env}
spec:
  replicas: ${env === 'production' ? 3 : 1}
  selector:
    matchLabels: {app: hello-world}
  template:
    metadata:
      labels: {app: hello-world}
    spec:
      containers:
        - name: hello-world
          image: ${image}
          ports: [{containerPort: 8080}]
`;

export function gitopsFiles(): Record<string, string> {
  return {
    'README.md':
      '# hello-world-gitops\nArgo CD syncs `staging/` and `production/`. dispatchd renders the `*.tmpl` files.\n',
    // update-gitops-repo's Go templates, as teams moving from Dispatch have them.
    'staging/application.yaml.tmpl': deployment('staging', '$({ .imageName })'),
    'production/application.yaml.tmpl': deployment('production', '$({ .imageName })'),
  };
}
