import { isoNow, missing, params, requireProject, type GitlabContext, type GitlabRoute } from '../context.js';
import { findMergeRequest } from '../merge-request-view.js';
import { created, gitlabPage, noteJson, paramError } from '../shapes.js';
import { notifyNote } from '../notify-note.js';
import type { NoteRecord } from '../store.js';

/** Merge request notes (comments). */
export function noteRoutes(ctx: GitlabContext): GitlabRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}/notes',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const mr = findMergeRequest(p, req.params.merge_request_iid);
        const b = params(req);
        const absent = missing(b, 'body');
        if (absent !== null) throw paramError(absent);
        const note: NoteRecord = {
          id: ctx.store.nextId(),
          mergeRequestIid: mr.iid,
          body: String(b.body),
          author: req.principal.username,
          createdAt: isoNow(ctx),
        };
        p.state.notes.push(note);
        notifyNote(ctx, p, mr, note);
        return created(noteJson(ctx.base, p.state.id, note));
      },
    },
    {
      method: 'GET',
      pattern: '/projects/{id}/merge_requests/{merge_request_iid}/notes',
      handler: async (req) => {
        const p = await requireProject(ctx, req);
        const mr = findMergeRequest(p, req.params.merge_request_iid);
        const list = p.state.notes.filter((n) => n.mergeRequestIid === mr.iid);
        // GitLab's default order is created_at desc.
        const ordered = req.query.get('sort') === 'asc' ? list : [...list].reverse();
        const { page, headers } = gitlabPage(ordered, req.query, req.selfUrl);
        return { status: 200, headers, body: page.map((n) => noteJson(ctx.base, p.state.id, n)) };
      },
    },
  ];
}
