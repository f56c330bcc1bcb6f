import { z } from 'zod';
import type { ParsedWebhook } from '../../core/push-event.js';
import { chatopsCommand } from '../chatops-command.js';
import type { WebhookContext } from '../contracts.js';
import { parsePayload } from '../payload.js';
import { Project, repoRef } from './project.js';

const NoteHook = z.object({
  user: z.object({ id: z.number().int().nullish(), username: z.string() }),
  project: Project,
  object_attributes: z.object({
    note: z.string().nullish(),
    noteable_type: z.string(),
    author_id: z.number().int().nullish(),
    system: z.boolean().nullish(),
    // GitLab 16.11+: `create` or `update` (notes hooks fire on edits since 16.x); older ones send none.
    action: z.string().nullish(),
  }),
  merge_request: z.object({ iid: z.number().int() }).nullish(),
});

/**
 * GitLab's Note Hook (`object_kind: note`): a new comment on a merge request whose first line is
 * a `/command` is a chatops command. The payload names the author but not their role, so the
 * event asks for it (`checkAuthor`): the worker reads the author's membership before planning.
 * The merge request is read then too (its head, fork and labels as they are when planned; the
 * hook's merge request carries no labels).
 */
export function parseGitlabNote(rawBody: Buffer, deliveryId: string, ctx: WebhookContext): ParsedWebhook {
  const p = parsePayload(rawBody, NoteHook, 'GitLab note');
  const a = p.object_attributes;
  if (a.noteable_type !== 'MergeRequest' || !p.merge_request)
    return {
      kind: 'ignored',
      reason: `a note on ${a.noteable_type}: only a comment on a merge request runs a chatops command`,
    };
  if (a.action && a.action !== 'create')
    return { kind: 'ignored', reason: `note ${a.action}: only a new comment runs a chatops command` };
  if (a.system) return { kind: 'ignored', reason: 'a system note is not a chatops command' };
  const command = chatopsCommand(a.note ?? '');
  if (command === undefined)
    return { kind: 'ignored', reason: 'the comment does not start with a /command: no chatops' };
  const userId = a.author_id ?? p.user.id;
  if (userId == null)
    return { kind: 'ignored', reason: 'the note names no author id: nobody can say whether they may write' };
  return {
    kind: 'review',
    event: {
      kind: 'comment',
      host: ctx.hostName,
      scm: 'gitlab',
      deliveryId,
      receivedAt: ctx.now,
      repo: repoRef(p.project, ctx),
      number: p.merge_request.iid,
      command,
      author: p.user.username,
      checkAuthor: { id: String(userId) },
    },
  };
}
