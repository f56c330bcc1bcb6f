import { mergeBase, revParse } from '../../common/git/bare-repo.js';
import {
  bodyObject,
  qualify,
  REPO,
  requireRepo,
  stringAt,
  type RepoHandle,
  type ServerContext,
  type ServerRoute,
} from '../context.js';
import { notifyPull } from '../notify.js';
import { findPull, renderPull } from '../pull-view.js';
import { paged, serverError } from '../shapes.js';
import type { PullRecord } from '../store.js';

const DUPLICATE = 'com.atlassian.bitbucket.pull.DuplicatePullRequestException';
const OUT_OF_DATE = 'com.atlassian.bitbucket.pull.PullRequestOutOfDateException';

/** Out-of-date versions are refused with 409, as Bitbucket's optimistic locking does. */
export function checkVersion(pull: PullRecord, sent: unknown): void {
  if (sent === undefined || sent === null || Number(sent) !== pull.version) {
    throw serverError(
      409,
      'You are attempting to modify a pull request based on out-of-date information.',
      OUT_OF_DATE,
      { currentVersion: pull.version },
    );
  }
}

/** List (direction/at/state), get, create and update pull requests. */
export function pullRoutes(ctx: ServerContext): ServerRoute[] {
  return [
    {
      method: 'GET',
      pattern: `${REPO}/pull-requests`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const state = (req.query.get('state') ?? 'OPEN').toUpperCase();
        const direction = (req.query.get('direction') ?? 'INCOMING').toUpperCase();
        const at = req.query.get('at');
        const list = r.state.pulls.filter(
          (p) =>
            (state === 'ALL' || p.state === state) &&
            (at === null || (direction === 'OUTGOING' ? p.fromRef : p.toRef) === qualify(at)),
        );
        const page = paged(
          [...list].sort((a, b) => b.id - a.id),
          req.query,
        );
        return {
          status: 200,
          body: { ...page, values: await Promise.all((page.values as PullRecord[]).map((p) => renderPull(ctx, r, p))) },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${REPO}/pull-requests/{pullRequestId}`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        return { status: 200, body: await renderPull(ctx, r, findPull(r, req.params.pullRequestId)) };
      },
    },
    {
      method: 'POST',
      pattern: `${REPO}/pull-requests`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const b = bodyObject(req);
        const title = stringAt(b, 'title');
        const from = stringAt(b, 'fromRef', 'id');
        const to = stringAt(b, 'toRef', 'id');
        if (!title || !from || !to)
          throw serverError(
            400,
            'title, fromRef.id and toRef.id are required',
            'com.atlassian.bitbucket.validation.ArgumentValidationException',
          );
        const fromRef = qualify(from);
        const toRef = qualify(to);
        const fromCommit = await revParse(r.dir, fromRef);
        const toCommit = await revParse(r.dir, toRef);
        if (fromCommit === null || toCommit === null) {
          throw serverError(
            404,
            `Repository "${r.slug}" of project with key "${r.key}" has no branch "${fromCommit === null ? from : to}"`,
            'com.atlassian.bitbucket.repository.NoSuchBranchException',
          );
        }
        if ((await mergeBase(r.dir, toCommit, fromCommit)) === fromCommit) {
          throw serverError(
            409,
            'Pull request cannot be created because the source branch has no changes that are not already on the target branch',
            'com.atlassian.bitbucket.pull.EmptyPullRequestException',
          );
        }
        // After the last await, so of two racing creates exactly one wins.
        checkNoDuplicate(r, fromRef, toRef);
        const now = ctx.now();
        const pull: PullRecord = {
          id: r.state.nextPullId++,
          version: 0,
          title,
          description: stringAt(b, 'description') ?? '',
          state: 'OPEN',
          fromRef,
          toRef,
          fromCommit,
          toCommit,
          reviewers: reviewerNames(b.reviewers),
          author: req.principal.name,
          createdDate: now,
          updatedDate: now,
        };
        r.state.pulls.push(pull);
        await notifyPull(ctx, ctx.hooks, r, pull, 'pr:opened', req.principal.name);
        return { status: 201, body: await renderPull(ctx, r, pull) };
      },
    },
    {
      method: 'PUT',
      pattern: `${REPO}/pull-requests/{pullRequestId}`,
      handler: async (req) => {
        const r = await requireRepo(ctx, req);
        const pull = findPull(r, req.params.pullRequestId);
        const b = bodyObject(req);
        checkVersion(pull, b.version);
        if (pull.state !== 'OPEN')
          throw serverError(
            409,
            `This pull request is ${pull.state.toLowerCase()} and cannot be updated.`,
            'com.atlassian.bitbucket.pull.IllegalPullRequestStateException',
          );
        const title = stringAt(b, 'title');
        if (title !== undefined) pull.title = title;
        const description = stringAt(b, 'description');
        if (description !== undefined) pull.description = description;
        // PUT replaces the reviewer list: a client that leaves it out removes every reviewer.
        pull.reviewers = reviewerNames(b.reviewers);
        pull.version += 1;
        pull.updatedDate = ctx.now();
        await notifyPull(ctx, ctx.hooks, r, pull, 'pr:modified', req.principal.name);
        return { status: 200, body: await renderPull(ctx, r, pull) };
      },
    },
  ];
}

function reviewerNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => stringAt(x, 'user', 'name')).filter((n): n is string => n !== undefined);
}

function checkNoDuplicate(r: RepoHandle, fromRef: string, toRef: string): void {
  const existing = r.state.pulls.find((p) => p.state === 'OPEN' && p.fromRef === fromRef && p.toRef === toRef);
  if (existing !== undefined) {
    throw serverError(409, 'Only one pull request may be open for a given source and target branch', DUPLICATE, {
      existingPullRequest: {
        id: existing.id,
        version: existing.version,
        title: existing.title,
        state: existing.state,
        fromRef: { id: existing.fromRef },
        toRef: { id: existing.toRef },
      },
    });
  }
}
