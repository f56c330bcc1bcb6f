import type { GitlabContext, ProjectHandle } from './context.js';
import { hookTime, projectHook, userHook } from './notify.js';
import { userId } from './shapes.js';
import type { MergeRequestRecord, NoteRecord } from './store.js';

/**
 * A Note Hook for a new comment on a merge request, as GitLab (16.11+, with
 * `object_attributes.action`) sends it: the author as `user` (no role), the note, and the merge
 * request as it is, without labels (gitlab-org/gitlab#356674).
 */
export function notifyNote(ctx: GitlabContext, p: ProjectHandle, mr: MergeRequestRecord, note: NoteRecord): void {
  if (!ctx.hooks.wants(p.fullName, 'note_events')) return;
  const project = projectHook(ctx, p);
  const web = `${ctx.base.url}/${p.fullName}`;
  ctx.hooks.notify(p.fullName, 'note_events', 'Note Hook', {
    object_kind: 'note',
    event_type: 'note',
    user: userHook(ctx, note.author),
    project_id: p.state.id,
    project,
    object_attributes: {
      id: note.id,
      note: note.body,
      noteable_type: 'MergeRequest',
      author_id: userId(note.author),
      created_at: hookTime(note.createdAt),
      updated_at: hookTime(note.createdAt),
      project_id: p.state.id,
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: mr.id,
      system: false,
      st_diff: null,
      action: 'create',
      url: `${web}/-/merge_requests/${mr.iid}#note_${note.id}`,
    },
    repository: { name: project.name, url: project.url, description: null, homepage: project.homepage },
    merge_request: {
      id: mr.id,
      iid: mr.iid,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      source_project_id: p.state.id,
      target_project_id: p.state.id,
      author_id: userId(mr.author),
      title: mr.title,
      description: mr.description,
      state: mr.state,
      merge_status: mr.state === 'opened' ? 'can_be_merged' : 'unchecked',
      created_at: hookTime(mr.createdAt),
      updated_at: hookTime(mr.updatedAt),
      source: project,
      target: project,
      last_commit: { id: mr.sha, url: `${web}/-/commit/${mr.sha}` },
      work_in_progress: mr.draft,
      draft: mr.draft,
    },
  });
}
