import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ScmKind } from '../../src/core/push-event.js';
import type { ReviewEvent } from '../../src/core/review-events.js';
import { createWebhookParsers } from '../../src/scm/parsers.js';
import { runGit } from './common/git/run-git.js';
import { cloudDriver, gitlabDriver, SECRET, serverDriver, type Driver } from './webhook-drivers.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A receiver that answers 202 and keeps what it got. */
async function startReceiver(): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/x`, got, server };
}

const parsers = createWebhookParsers();

/** Which capture each emulated event is checked against (SOURCES.md lists where they come from), and its main object. */
const FIXTURES: Record<string, [event: string, file: string, object: string][]> = {
  gitlab: [
    ['Merge Request Hook', 'goscm-pull_request_create.json', 'object_attributes'],
    ['Pipeline Hook', 'gpw-pipeline-event.json', 'object_attributes'],
  ],
  'bitbucket-cloud': [
    ['pullrequest:created', 'goscm-pr_created.json', 'pullrequest'],
    ['pullrequest:updated', 'goscm-pr_updated.json', 'pullrequest'],
    ['pullrequest:fulfilled', 'goscm-pr_fulfilled.json', 'pullrequest'],
    ['pullrequest:rejected', 'goscm-pr_declined.json', 'pullrequest'],
    ['repo:commit_status_created', 'gpw-repo-commit-status-created.json', 'commit_status'],
    ['repo:commit_status_updated', 'gpw-repo-commit-status-updated.json', 'commit_status'],
  ],
  'bitbucket-server': [
    ['pr:opened', 'goscm-pr_open.json', 'pullRequest'],
    ['pr:from_ref_updated', 'goscm-pr_ref_updated.json', 'pullRequest'],
    ['pr:merged', 'goscm-pr_merged.json', 'pullRequest'],
    ['pr:declined', 'goscm-pr_declined.json', 'pullRequest'],
  ],
};

/** What dispatchd's own parser makes of a delivery, after checking its signature with the hook's secret. */
function asDispatchdSees(kind: ScmKind, d: Received): ReviewEvent {
  const headers = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const req = { headers, rawBody: d.body };
  const ctx = { hostName: kind, hostUrl: 'http://scm.test', secrets: ['other-secret', SECRET], now: Date.now() };
  const parser = parsers[kind]!;
  assert.deepEqual(parser.verify(req, ctx), [1], 'signed with the hook secret');
  const parsed = parser.parse(req, ctx);
  assert.equal(parsed.kind, 'review', JSON.stringify(parsed));
  return (parsed as { event: ReviewEvent }).event;
}

for (const make of [gitlabDriver, cloudDriver, serverDriver]) {
  describe(
    `${make.name.replace('Driver', '')} emulator: pull-request and status webhooks, signed`,
    { timeout: 60_000 },
    () => {
      let d: Driver;
      let rx: Awaited<ReturnType<typeof startReceiver>>;
      before(async () => {
        d = await make();
        rx = await startReceiver();
      });
      after(async () => {
        await d?.close();
        rx?.server.close();
      });
      const bodies = new Map<string, Record<string, unknown>>();
      const take = async () => {
        await d.settled();
        return rx.got.splice(0).map((g) => {
          const event = String(g.headers[d.eventHeader]);
          bodies.set(event, JSON.parse(g.body.toString('utf8')) as Record<string, unknown>);
          return { event, seen: asDispatchdSees(d.kind, g), g };
        });
      };

      it('registers a hook through the API; open, push, status, merge and decline arrive as the SCM sends them', async () => {
        assert.ok((await d.addHook(rx.url, d.events)).status === 201);
        await d.git.commit(d.gitName, 'dispatchd/a', { 'a.yaml': 'a: 1\n' });
        const a = await d.openPull('dispatchd/a');
        const opened = await take();
        assert.equal(opened.length, 1);
        assert.deepEqual(
          {
            action: opened[0]!.seen.kind === 'pull-request' && opened[0]!.seen.action,
            repo: opened[0]!.seen.repo.fullName,
          },
          { action: 'opened', repo: d.repo },
        );
        assert.ok(
          opened[0]!.g.headers['x-gitlab-event-uuid'] ??
            opened[0]!.g.headers['x-request-uuid'] ??
            opened[0]!.g.headers['x-request-id'],
          'a delivery id',
        );

        // A push to the source branch over HTTP: the SCM sends an update naming the new head.
        const work = await mkdtemp(join(tmpdir(), 'emu-hooks-'));
        try {
          const cfg = ['-c', `http.extraHeader=${d.gitAuth}`];
          await runGit([...cfg, 'clone', '--quiet', '--branch', 'dispatchd/a', d.gitUrl, join(work, 'c')]);
          await writeFile(join(work, 'c', 'a.yaml'), 'a: 2\n');
          const env = {
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@t',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@t',
          };
          await runGit(['commit', '--quiet', '-am', 'a 2'], { cwd: join(work, 'c'), env });
          await runGit([...cfg, 'push', '--quiet', 'origin', 'HEAD:refs/heads/dispatchd/a'], { cwd: join(work, 'c') });
        } finally {
          await rm(work, { recursive: true, force: true });
        }
        const head = (await d.git.revParse(d.gitName, 'dispatchd/a')) ?? '';
        let updated: Awaited<ReturnType<typeof take>> = [];
        for (let i = 0; i < 50 && updated.length === 0; i++) {
          updated = (await take()).filter((x) => x.seen.kind === 'pull-request' && x.seen.action === 'updated');
          if (updated.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(updated.length, 1, 'one update for the push');
        const u = updated[0]!.seen;
        assert.ok(u.kind === 'pull-request' && head.startsWith(u.headSha), `update names the pushed head ${head}`);

        // A status on the head: GitLab as a pipeline, Bitbucket Cloud as commit_status_*, Bitbucket Server not at all.
        await d.postStatus(head, 'argocd/app', 'running');
        await d.postStatus(head, 'argocd/app', 'success');
        await d.postStatus(head, 'ci/other', 'success');
        const statuses = (await take()).map((x) => [
          x.event,
          x.seen.kind === 'status' ? x.seen.status.state : x.seen.kind,
        ]);
        const want: Record<string, string[][]> = {
          gitlab: [
            // running → success; the second status leaves the pipeline at success: no hook.
            ['Pipeline Hook', 'pending'],
            ['Pipeline Hook', 'success'],
          ],
          'bitbucket-cloud': [
            ['repo:commit_status_created', 'pending'],
            ['repo:commit_status_updated', 'success'],
            ['repo:commit_status_created', 'success'],
          ],
          'bitbucket-server': [],
        };
        assert.deepEqual(statuses, want[d.kind]);

        await d.merge(a);
        const merged = await take();
        assert.deepEqual(
          merged.map((x) => x.seen.kind === 'pull-request' && [x.seen.action, x.seen.number, typeof x.seen.mergeSha]),
          [['merged', a, 'string']],
        );

        await d.git.commit(d.gitName, 'dispatchd/b', { 'b.yaml': 'b: 1\n' });
        const b = await d.openPull('dispatchd/b');
        await d.decline(b);
        const declined = await take();
        assert.deepEqual(
          declined.map((x) => x.seen.kind === 'pull-request' && [x.seen.action, x.seen.number]),
          [
            ['opened', b],
            ['closed', b],
          ],
        );
      });

      it('each body has the fields of the SCM capture for that event, at the top and in its main object', () => {
        const captured = FIXTURES[d.kind] ?? [];
        assert.ok(captured.length > 0);
        for (const [event, file, object] of captured) {
          const fixture = JSON.parse(
            readFileSync(new URL(`../fixtures/webhooks/${d.kind}/${file}`, import.meta.url), 'utf8'),
          ) as Record<string, unknown>;
          const body = bodies.get(event);
          assert.ok(body, `the emulator sent ${event}`);
          const missing = Object.keys(fixture).filter((k) => !(k in body));
          assert.deepEqual(missing, [], `${event}: fields ${file} has and the emulator's body lacks`);
          const inner = body[object] as Record<string, unknown>;
          const missingInner = Object.keys(fixture[object] as object).filter((k) => !(k in inner));
          assert.deepEqual(missingInner, [], `${event}: ${object} fields ${file} has and the emulator's lacks`);
        }
      });

      it('sends nothing to a hook not subscribed to the event', async () => {
        await d.addHook(rx.url.replace('/hooks/x', '/hooks/other'), d.kind === 'gitlab' ? [] : [d.events[0]!]);
        await d.git.commit(d.gitName, 'dispatchd/c', { 'c.yaml': 'c: 1\n' });
        const c = await d.openPull('dispatchd/c');
        await d.decline(c);
        await d.settled();
        const paths = rx.got.splice(0).map((g) => g.headers[d.eventHeader]);
        // The first hook gets both; the second only what it asked for (GitLab: merge requests off).
        assert.equal(paths.length, d.kind === 'gitlab' ? 2 : 3);
      });
    },
  );
}
