import { z } from 'zod';
import type { ParsedWebhook, RepoRef } from '../../core/push-event.js';
import { chatopsCommand } from '../chatops-command.js';
import { parsePayload } from '../payload.js';

const IssueCommentPayload = z.object({
  action: z.string(),
  issue: z.object({ number: z.number().int(), pull_request: z.object({}).passthrough().nullish() }),
  comment: z.object({
    body: z.string().nullish(),
    author_association: z.string().nullish(),
    user: z.object({ login: z.string() }).nullish(),
  }),
  repository: z.object({ full_name: z.string(), clone_url: z.string(), html_url: z.string() }),
});

/**
 * Who may run a chatops command: GitHub's word for the commenter's relation to the repository.
 * OWNER, MEMBER (of its organisation) and COLLABORATOR; a CONTRIBUTOR or anyone else may not.
 * Even these may hold only read or triage permission (an organisation MEMBER, a read-only
 * COLLABORATOR), which the association does not say: the commenter's permission is read from
 * GitHub before anything is planned (`checkAuthor`), for an OWNER too (one call, no exception).
 */
export const CHATOPS_ASSOCIATIONS: readonly string[] = ['OWNER', 'MEMBER', 'COLLABORATOR'];

interface Meta {
  host: string;
  deliveryId: string;
  receivedAt: number;
}

/**
 * GitHub's `issue_comment`: a new comment on a pull request whose first line is a `/command`,
 * by a commenter who may write, is a chatops command. The payload names no head or base: the
 * pull request is read from GitHub when it is planned.
 */
export function parseGithubComment(rawBody: Buffer, m: Meta): ParsedWebhook {
  const p = parsePayload(rawBody, IssueCommentPayload, 'GitHub issue_comment');
  if (p.action !== 'created')
    return { kind: 'ignored', reason: `issue_comment ${p.action}: only a new comment runs a chatops command` };
  if (!p.issue.pull_request)
    return { kind: 'ignored', reason: `a comment on issue #${p.issue.number}, not on a pull request` };
  const command = chatopsCommand(p.comment.body ?? '');
  if (command === undefined)
    return { kind: 'ignored', reason: 'the comment does not start with a /command: no chatops' };
  const author = p.comment.user?.login ?? '';
  if (author === '')
    return { kind: 'ignored', reason: 'the comment names no commenter: nobody can say whether they may write' };
  const association = p.comment.author_association ?? 'NONE';
  if (!CHATOPS_ASSOCIATIONS.includes(association))
    return {
      kind: 'ignored',
      reason: `${author || 'the commenter'} is ${association} of ${p.repository.full_name}: only an OWNER, MEMBER or COLLABORATOR runs chatops commands`,
    };
  const repo: RepoRef = {
    fullName: p.repository.full_name,
    cloneUrl: p.repository.clone_url,
    webUrl: p.repository.html_url,
  };
  return {
    kind: 'review',
    event: {
      kind: 'comment',
      host: m.host,
      scm: 'github',
      deliveryId: m.deliveryId,
      receivedAt: m.receivedAt,
      repo,
      number: p.issue.number,
      command,
      author,
      checkAuthor: { id: author },
    },
  };
}
