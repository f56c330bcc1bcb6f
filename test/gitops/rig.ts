import express from 'express';
import request from 'supertest';
import { createApp } from '../../src/http/app.js';
import { environmentsRouter } from '../../src/http/api/environments.js';
import { rollbackRouter } from '../../src/http/api/rollback.js';
import { githubPushBody } from '../helpers/github-push.js';
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/emulator.js';
import { signedRequest } from '../helpers/sign.js';
import { githubConfigYaml } from '../helpers/github-config.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { OnGitopsEvent } from '../../src/core/gitops-events.js';

export const TOKEN = 'ghp_gitops_rig_token_0123456789';
export const SECRET = 'gitops-rig-webhook-secret';
export const ADMIN = 'gitops-rig-admin-token';
export const APP = 'acme/hello-world';
export const GITOPS = 'acme/hello-world-gitops';

/** One GitOps task of the rig's Dispatchfile: which branches fire it and its step's args. */
export interface RigTask {
  name: string;
  branches: string[];
  args: string[];
  /** The git resource the step works in; default "gitops-git". */
  resource?: string;
  /** More inputs, e.g. a task left to the team's CI (see RigOptions.ciTasks). */
  needs?: string[];
}

export interface RigOptions {
  tasks: RigTask[];
  gitopsFiles: Record<string, string>;
  /** The image resource's url; default registry.example.com/acme/hello-world:$(context.build.name)-$(context.git.commit). */
  imageUrl?: string;
  /** Extra git resources aimed at the GitOps repo: name → revision param. */
  revisions?: Record<string, string>;
  /** The `gitops` grant's paths; default everything. */
  grantPaths?: string[];
  /** The GitOps grant's promotion chains (docs/promotion.md). */
  promotions?: object[];
  /** The GitOps repository's `poll`; default the service's (2 s doubling to 1 min). */
  poll?: { first: string; max: string };
  /** Extra top-level YAML for the dispatchd config (registries, digestWait). */
  extraConfig?: string;
  /** The GitOps grant's merge settings (merge when green). */
  merge?: { method?: string; timeout?: string; requiredChecks?: string[]; native?: boolean };
  /** Tasks dispatchd leaves to the team's CI (a test step), which GitOps tasks may name in `needs`. */
  ciTasks?: string[];
  /** Receives the GitOps events the workers raise (merges, statuses). */
  onGitopsEvent?: OnGitopsEvent;
}

export interface Rig {
  gh: GithubEmulator;
  stack: Stack;
  /** Commits on the app repo and sends GitHub's push webhook for it. */
  push(branch: string, version: string): Promise<{ sha: string; status: number }>;
  /** Sends a signed push webhook saying whatever it is told (replays, forgeries, late deliveries). */
  deliver(
    branch: string,
    before: string,
    after: string,
    deliveryId?: string,
  ): Promise<{ status: number; deliveryId: string; body: Record<string, unknown> }>;
  /** The admin app with the environments router mounted, for supertest. */
  admin: express.Express;
  adminCall(method: 'get' | 'post', path: string, body?: object): Promise<request.Response>;
  close(): Promise<void>;
}

const yamlList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

export function rigDispatchfile(gitopsUrl: string, o: RigOptions): string {
  const extra = Object.entries(o.revisions ?? {})
    .map(([name, rev]) => `  ${name}:\n    type: git\n    param:\n      url: ${gitopsUrl}\n      revision: ${rev}\n`)
    .join('');
  const tasks = o.tasks
    .map(
      (t) => `  ${t.name}:
    inputs: [docker-image, ${t.resource ?? 'gitops-git'}${(t.needs ?? []).map((n) => `, ${n}`).join('')}]
    steps:
      - name: update-gitops-repo
        image: mesosphere/update-gitops-repo:1.2.0
        workingDir: /workspace/${t.resource ?? 'gitops-git'}
        args: ${yamlList(t.args)}
`,
    )
    .join('');
  const ciTasks = (o.ciTasks ?? [])
    .map(
      (n) =>
        `  ${n}:\n    steps:\n      - name: ${n}\n        image: golang:1.22\n        command: [go, test, ./...]\n`,
    )
    .join('');
  const actions = o.tasks
    .map((t) => `  - tasks: [build, ${t.name}]\n    on:\n      push:\n        branches: ${yamlList(t.branches)}\n`)
    .join('');
  return `#!yaml
resource:
  docker-image:
    type: image
    param:
      url: ${o.imageUrl ?? 'registry.example.com/acme/hello-world:$(context.build.name)-$(context.git.commit)'}
  gitops-git:
    type: git
    param:
      url: ${gitopsUrl}
${extra}task:
  build:
    outputs: [docker-image]
    steps:
      - name: build
        image: gcr.io/kaniko-project/executor:latest
${tasks}${ciTasks}actions:
${actions}`;
}

/** The real service over redis-server, the GitHub emulator holding an app and a GitOps repo. */
export async function startRig(o: RigOptions): Promise<Rig> {
  const gh = await startGithubEmulator({ token: TOKEN });
  await gh.git.createRepo(GITOPS, { files: o.gitopsFiles });
  await gh.git.createRepo(APP, { files: { Dispatchfile: rigDispatchfile(`${gh.url}/${GITOPS}`, o), VERSION: '1\n' } });
  // Tasks that merge or commit directly need a rule that grants those modes to their branches.
  const privileged = o.tasks.filter((t) =>
    t.args.some((a) => /^-+(merge-pull-request(=true)?|create-pull-request=false)$/.test(a)),
  );
  const modes = [
    ...new Set(
      privileged.flatMap((t) =>
        t.args.flatMap((a) =>
          /merge-pull-request/.test(a)
            ? ['merge' as const]
            : /create-pull-request=false/.test(a)
              ? ['direct' as const]
              : [],
        ),
      ),
    ),
  ];
  const configYaml = githubConfigYaml({
    url: gh.url,
    apiUrl: gh.apiUrl,
    token: TOKEN,
    secret: SECRET,
    repos: [APP],
    gitops: GITOPS,
    grantPaths: o.grantPaths ?? ['**'],
    ...(o.promotions ? { promotions: o.promotions } : {}),
    ...(o.poll ? { poll: o.poll } : {}),
    ...(o.revisions ? { bases: ['main', ...Object.values(o.revisions)] } : {}),
    ...(privileged.length ? { privileged: { branches: privileged.flatMap((t) => t.branches), modes } } : {}),
    ...(o.merge ? { merge: o.merge } : {}),
  });
  const stack = await startStack(
    `${configYaml}${o.extraConfig ?? ''}\n`,
    o.onGitopsEvent ? { onGitopsEvent: o.onGitopsEvent } : {},
  );
  const admin = createApp({
    redis: stack.producer.redis,
    admin: { token: ADMIN },
    apiRouters: [
      environmentsRouter({ redis: stack.producer.redis, gitops: stack.producer.gitops, config: stack.config }),
      rollbackRouter({ redis: stack.producer.redis, promotions: stack.producer.promotions, config: stack.config }),
    ],
  });
  let delivery = 0;
  const deliver: Rig['deliver'] = async (
    branch,
    before,
    after,
    deliveryId = `rig-${++delivery}-${after.slice(0, 8)}`,
  ) => {
    const signed = signedRequest('github', githubPushBody({ repo: APP, branch, before, after, base: gh.url }), SECRET, {
      event: 'push',
      deliveryId,
    });
    const res = await request(stack.server).post('/hooks/github').set(signed.headers).send(signed.rawBody.toString());
    return { status: res.status, deliveryId, body: res.body as Record<string, unknown> };
  };
  return {
    gh,
    stack,
    admin,
    async push(branch, version) {
      const before = (await gh.git.revParse(APP, branch)) ?? '0'.repeat(40);
      // The branch is in the message: the same version on two branches within one second would
      // otherwise be the very same commit, and share its statuses.
      const sha = await gh.git.commit(APP, branch, { VERSION: `${version}\n` }, `Release ${version} on ${branch}`);
      const { status } = await deliver(branch, before, sha);
      return { sha, status };
    },
    deliver,
    adminCall(method, path, body) {
      const req = request(admin)[method](path).set('authorization', `Bearer ${ADMIN}`);
      return body ? req.send(body) : req;
    },
    async close() {
      await stack.stop();
      await gh.close();
    },
  };
}

/** A Deployment template for `dir` with the image from the `imageName` substitution. */
export const deployment = (dir: string, placeholder = '$({ .imageName })') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello-world\n  namespace: ${dir}\nspec:\n  ` +
  `template:\n    spec:\n      containers:\n        - name: hello-world\n          image: ${placeholder}\n`;

/** The newest status a context has on a commit. */
export function lastStatus(gh: GithubEmulator, sha: string, context = 'dispatchd/deploy') {
  return gh
    .statuses(APP, sha)
    .filter((s) => s.context === context)
    .at(-1);
}
