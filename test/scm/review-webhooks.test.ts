import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ScmKind } from '../../src/core/push-event.js';
import type { ReviewEvent } from '../../src/core/review-events.js';
import type { WebhookContext } from '../../src/scm/contracts.js';
import { createWebhookParsers } from '../../src/scm/parsers.js';

const parsers = createWebhookParsers();
import { signedRequest } from '../helpers/sign.js';

const SECRET = 'review-webhook-secret';
const ctx = (hostName: string): WebhookContext => ({
  hostName,
  hostUrl: 'https://scm.example.test',
  secrets: [SECRET],
  now: 1_700_000_000_000,
});

function parse(kind: ScmKind, file: string, event: string): ReviewEvent {
  const body = readFileSync(new URL(`../fixtures/webhooks/${kind}/${file}`, import.meta.url));
  const req = signedRequest(kind, body, SECRET, { event, deliveryId: `d-${file}` });
  const parser = parsers[kind]!;
  assert.deepEqual(parser.verify(req, ctx(kind)), [0]);
  const parsed = parser.parse(req, ctx(kind));
  assert.equal(parsed.kind, 'review', JSON.stringify(parsed));
  return (parsed as { event: ReviewEvent }).event;
}

/** The fields a reader of the normalised event checks, from real payloads (test/fixtures/webhooks/SOURCES.md). */
const pick = (e: ReviewEvent) =>
  e.kind === 'pull-request'
    ? {
        repo: e.repo.fullName,
        action: e.action,
        number: e.number,
        head: e.head,
        base: e.base,
        headSha: e.headSha,
        fork: e.fork,
        mergeSha: e.mergeSha,
      }
    : e.kind === 'status'
      ? { repo: e.repo.fullName, sha: e.sha, context: e.status.context, state: e.status.state }
      : { repo: e.repo.fullName, number: e.number, command: e.command, author: e.author };

describe('pull-request and status webhooks, normalised from each SCM', () => {
  it('GitHub: pull_request opened/synchronize/closed, status and check_run', () => {
    assert.deepEqual(pick(parse('github', 'goscm-pr_opened.json', 'pull_request')), {
      repo: 'bradrydzewski/drone-test-go',
      action: 'opened',
      number: 1,
      head: 'master',
      base: 'bradrydzewski-patch-1',
      headSha: 'd2b75aa7797ec26b088fa2dd527e9d2c052fcedd',
      fork: false,
      mergeSha: undefined,
    });
    assert.equal(pick(parse('github', 'goscm-pr_sync.json', 'pull_request')).action, 'updated');
    assert.equal(pick(parse('github', 'goscm-pr_closed.json', 'pull_request')).action, 'closed', 'closed, not merged');
    assert.deepEqual(pick(parse('github', 'goscm-status.json', 'status')), {
      repo: 'Codertocat/Hello-World',
      sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      context: 'default',
      state: 'success',
    });
    assert.deepEqual(pick(parse('github', 'goscm-check_run_created.json', 'check_run')), {
      repo: 'Codertocat/Hello-World',
      sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      context: 'Octocoders-linter',
      state: 'pending',
    });
  });

  it('GitLab: merge request open/merge/close, an update with a new head, a title edit ignored, and a job as a status', () => {
    const opened = pick(parse('gitlab', 'goscm-pull_request_create.json', 'Merge Request Hook'));
    assert.deepEqual(opened, {
      repo: 'gitlab-org/hello-world',
      action: 'opened',
      number: 1,
      head: 'feature',
      base: 'master',
      headSha: 'c4c79227ed610f1151f05bbc5be33b4f340d39c8',
      fork: false,
      mergeSha: undefined,
    });
    const merged = pick(parse('gitlab', 'goscm-pull_request_merge.json', 'Merge Request Hook'));
    assert.deepEqual(
      [merged.action, 'mergeSha' in merged && merged.mergeSha],
      ['merged', '78a76ee6b4992a6baf64c59fc4c44c7323d60438'],
    );
    assert.equal(pick(parse('gitlab', 'goscm-pull_request_close.json', 'Merge Request Hook')).action, 'closed');
    // An update that names the old head (oldrev) is a new head; without oldrev it is an edit.
    assert.equal(pick(parse('gitlab', 'goscm-pull_request_edited.json', 'Merge Request Hook')).action, 'updated');
    const body = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/gitlab/goscm-pull_request_edited.json', import.meta.url), 'utf8'),
    );
    delete body.object_attributes.oldrev;
    delete body.changes.labels;
    const edited = parsers.gitlab.parse(
      signedRequest('gitlab', JSON.stringify(body), SECRET, { event: 'Merge Request Hook' }),
      ctx('gitlab'),
    );
    assert.equal(edited.kind, 'ignored', 'a title edit is no new head');
    assert.deepEqual(pick(parse('gitlab', 'gpw-job-event.json', 'Job Hook')), {
      repo: 'gitlab-org/gitlab-test',
      sha: '2293ada6b400935a1378653304eaf6221e0fdb8f',
      context: 'test',
      state: 'pending',
    });
    // External statuses reach webhooks only through their pipeline: the job that changed last.
    assert.deepEqual(pick(parse('gitlab', 'gpw-pipeline-event.json', 'Pipeline Hook')), {
      repo: 'gitlab-org/gitlab-test',
      sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      context: 'test-build',
      state: 'success',
    });
    const noJobs = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/gitlab/gpw-pipeline-event.json', import.meta.url), 'utf8'),
    );
    noJobs.builds = [];
    const ignored = parsers.gitlab.parse(
      signedRequest('gitlab', JSON.stringify(noJobs), SECRET, { event: 'Pipeline Hook' }),
      ctx('gitlab'),
    );
    assert.deepEqual(ignored, { kind: 'ignored', reason: 'GitLab pipeline event for bcbb5ec lists no jobs' });
  });

  it("labels: GitHub's labeled and unlabeled, GitLab's label change, Bitbucket's none", () => {
    const labeled = parse('github', 'octokit-pull_request_labeled.json', 'pull_request');
    assert.deepEqual(labeled.kind === 'pull-request' && [labeled.action, labeled.labels], ['updated', ['bug']]);
    const opened = parse('github', 'goscm-pr_opened.json', 'pull_request');
    assert.deepEqual(opened.kind === 'pull-request' && opened.labels, []);
    const body = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/github/octokit-pull_request_labeled.json', import.meta.url), 'utf8'),
    );
    body.action = 'unlabeled';
    body.pull_request.labels = [];
    const unlabeled = parsers.github.parse(
      signedRequest('github', JSON.stringify(body), SECRET, { event: 'pull_request' }),
      ctx('github'),
    );
    assert.ok(unlabeled.kind === 'review' && unlabeled.event.kind === 'pull-request');
    assert.deepEqual([unlabeled.event.action, unlabeled.event.labels], ['updated', []]);
    // GitLab's update whose changes name labels (the old head not named): the same head, relabelled.
    const gl = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/gitlab/goscm-pull_request_edited.json', import.meta.url), 'utf8'),
    );
    delete gl.object_attributes.oldrev;
    const relabelled = parsers.gitlab.parse(
      signedRequest('gitlab', JSON.stringify(gl), SECRET, { event: 'Merge Request Hook' }),
      ctx('gitlab'),
    );
    assert.ok(relabelled.kind === 'review' && relabelled.event.kind === 'pull-request');
    assert.deepEqual([relabelled.event.action, relabelled.event.labels], ['updated', ['API']]);
    const bb = parse('bitbucket-cloud', 'goscm-pr_created.json', 'pullrequest:created');
    assert.equal(bb.kind === 'pull-request' && bb.labels, undefined, 'Bitbucket has no labels');
  });

  it('GitHub chatops: a /command comment on a pull request by a writer, and what is not one', () => {
    assert.deepEqual(pick(parse('github', 'gpw-pull-request-issue-comment.json', 'issue_comment')), {
      repo: 'chhsia0/knative-route-demo',
      number: 3,
      command: '/build',
      author: 'chhsia0',
    });
    type CommentBody = {
      action: string;
      issue: { pull_request?: unknown };
      comment: { body: string; author_association: string };
    };
    const variant = (edit: (b: CommentBody) => void) => {
      const body = JSON.parse(
        readFileSync(
          new URL('../fixtures/webhooks/github/gpw-pull-request-issue-comment.json', import.meta.url),
          'utf8',
        ),
      );
      edit(body as CommentBody);
      const r = parsers.github.parse(
        signedRequest('github', JSON.stringify(body), SECRET, { event: 'issue_comment' }),
        ctx('github'),
      );
      return r.kind === 'ignored' ? r.reason : r.kind;
    };
    assert.equal(
      variant((b) => (b.comment.body = '\n  /deploy staging\nplease')),
      'review',
      'first non-blank line',
    );
    assert.match(
      variant((b) => (b.comment.body = 'LGTM, /build later')),
      /does not start with a \/command/,
    );
    assert.match(
      variant((b) => delete b.issue.pull_request),
      /a comment on issue #3, not on a pull request/,
    );
    assert.match(
      variant((b) => (b.action = 'edited')),
      /issue_comment edited: only a new comment/,
    );
    for (const association of ['CONTRIBUTOR', 'FIRST_TIME_CONTRIBUTOR', 'NONE'])
      assert.match(
        variant((b) => (b.comment.author_association = association)),
        new RegExp(`chhsia0 is ${association} of chhsia0/knative-route-demo: only an OWNER, MEMBER or COLLABORATOR`),
      );
    for (const association of ['MEMBER', 'COLLABORATOR'])
      assert.equal(
        variant((b) => (b.comment.author_association = association)),
        'review',
      );
    // The association does not say whether the commenter may write: asked when planned, an OWNER too.
    const owner = parse('github', 'gpw-pull-request-issue-comment.json', 'issue_comment');
    assert.deepEqual(owner.kind === 'comment' ? owner.checkAuthor : 'not a comment', { id: 'chhsia0' });
    const member = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/github/gpw-pull-request-issue-comment.json', import.meta.url), 'utf8'),
    ) as { comment: { author_association: string } };
    member.comment.author_association = 'MEMBER';
    const parsed = parsers.github.parse(
      signedRequest('github', JSON.stringify(member), SECRET, { event: 'issue_comment' }),
      ctx('github'),
    );
    assert.deepEqual(parsed.kind === 'review' && parsed.event.kind === 'comment' ? parsed.event.checkAuthor : parsed, {
      id: 'chhsia0',
    });
  });

  it('GitLab chatops: a /command note on a merge request asks who wrote it; what is not one', () => {
    type NoteBody = {
      object_attributes: { note: string; noteable_type: string; system: boolean; action?: string };
      merge_request?: unknown;
    };
    const variant = (edit: (b: NoteBody) => void) => {
      const body = JSON.parse(
        readFileSync(
          new URL('../fixtures/webhooks/gitlab/gpw-comment-merge-request-event.json', import.meta.url),
          'utf8',
        ),
      ) as NoteBody;
      edit(body);
      const r = parsers.gitlab.parse(
        signedRequest('gitlab', JSON.stringify(body), SECRET, { event: 'Note Hook', deliveryId: 'note-1' }),
        ctx('gitlab'),
      );
      return r.kind === 'review' ? r.event : r.kind === 'ignored' ? r.reason : r.kind;
    };
    assert.match(String(variant(() => undefined)), /does not start with a \/command/, 'the captured note is a review');
    const command = variant((b) => (b.object_attributes.note = '\n /deploy staging\nplease'));
    assert.ok(typeof command === 'object' && command.kind === 'comment', JSON.stringify(command));
    assert.deepEqual(pick(command), {
      repo: 'gitlab-org/gitlab-test',
      number: 1,
      command: '/deploy staging',
      author: 'root',
    });
    // GitLab's note names the author, not their role: the worker asks for it.
    assert.deepEqual(command.checkAuthor, { id: '1' });
    assert.equal(command.pull, undefined, 'the merge request is read when planned');
    assert.equal(
      typeof variant((b) => Object.assign(b.object_attributes, { note: '/deploy', action: 'create' })),
      'object',
    );
    const ignored: [(b: NoteBody) => void, RegExp][] = [
      [
        (b) => Object.assign(b.object_attributes, { note: '/deploy', action: 'update' }),
        /note update: only a new comment/,
      ],
      [(b) => Object.assign(b.object_attributes, { note: '/deploy', system: true }), /a system note/],
      [
        (b) => {
          Object.assign(b.object_attributes, { note: '/deploy', noteable_type: 'Issue' });
          delete b.merge_request;
        },
        /a note on Issue: only a comment on a merge request runs/,
      ],
    ];
    for (const [edit, reason] of ignored) assert.match(String(variant(edit)), reason);
  });

  it('Bitbucket Cloud: pullrequest created/fulfilled/rejected and commit status updated', () => {
    assert.deepEqual(pick(parse('bitbucket-cloud', 'goscm-pr_created.json', 'pullrequest:created')), {
      repo: 'brydzewski/foo',
      action: 'opened',
      number: 1,
      head: 'develop',
      base: 'master',
      headSha: '507a576e59b3',
      fork: false,
      mergeSha: undefined,
    });
    const merged = pick(parse('bitbucket-cloud', 'goscm-pr_fulfilled.json', 'pullrequest:fulfilled'));
    assert.deepEqual([merged.action, 'mergeSha' in merged && merged.mergeSha], ['merged', '4f8f6de9d0ff']);
    assert.equal(pick(parse('bitbucket-cloud', 'goscm-pr_declined.json', 'pullrequest:rejected')).action, 'closed');
    assert.deepEqual(
      pick(parse('bitbucket-cloud', 'gpw-repo-commit-status-updated.json', 'repo:commit_status_updated')),
      {
        repo: 'team_name/repo_name',
        sha: '9fec847784abb10b2fa567ee63b85bd238955d0e',
        context: 'mybuildtool',
        state: 'success',
      },
    );
  });

  it('Bitbucket Server: pr opened/from_ref_updated/merged/declined', () => {
    assert.deepEqual(pick(parse('bitbucket-server', 'goscm-pr_open.json', 'pr:opened')), {
      repo: 'PRJ/my-repo',
      action: 'opened',
      number: 2,
      head: 'develop',
      base: 'master',
      headSha: '208b0a5c05eddadad01f2aed8802fe0c3b3eaf5e',
      fork: false,
      mergeSha: undefined,
    });
    assert.equal(pick(parse('bitbucket-server', 'goscm-pr_ref_updated.json', 'pr:from_ref_updated')).action, 'updated');
    const merged = pick(parse('bitbucket-server', 'goscm-pr_merged.json', 'pr:merged'));
    assert.deepEqual(
      [merged.action, 'mergeSha' in merged && merged.mergeSha],
      ['merged', '83f836ca538dc4f43d29fda46a5b85ea49f1b8e7'],
    );
    assert.equal(pick(parse('bitbucket-server', 'goscm-pr_declined.json', 'pr:declined')).action, 'closed');
  });

  it('a pull request from a fork says so (GitHub head repository, GitLab source project)', () => {
    const body = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/github/goscm-pr_opened.json', import.meta.url), 'utf8'),
    );
    body.pull_request.head.repo.full_name = 'mallory/drone-test-go';
    const req = signedRequest('github', JSON.stringify(body), SECRET, { event: 'pull_request' });
    const parsed = parsers.github!.parse(req, ctx('github'));
    assert.equal(parsed.kind === 'review' && parsed.event.kind === 'pull-request' && parsed.event.fork, true);
    const gl = JSON.parse(
      readFileSync(new URL('../fixtures/webhooks/gitlab/goscm-pull_request_create.json', import.meta.url), 'utf8'),
    );
    gl.object_attributes.source_project_id = 99;
    const glParsed = parsers.gitlab!.parse(
      signedRequest('gitlab', JSON.stringify(gl), SECRET, { event: 'Merge Request Hook' }),
      ctx('gitlab'),
    );
    assert.equal(glParsed.kind === 'review' && glParsed.event.kind === 'pull-request' && glParsed.event.fork, true);
  });
});
