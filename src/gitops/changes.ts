import { applyEdits, parseEdits } from './edits/index.js';
import type { UpdateGitopsFlags } from './flags.js';
import { renderTree, type RenderedFile } from './render/index.js';
import { valueChanges, type ValueChange } from './value-changes.js';

export interface ChangeOptions {
  root: string;
  workingSubdir: string;
  flags: UpdateGitopsFlags;
  gitRevision?: string;
  source?: string;
}

/**
 * Everything one GitOps step would write, read-only: its templates rendered (all of them by
 * default; none when the step only edits and names no -filepath), then its in-place edits.
 * Returns the files (with their content before and after) and the value changes a reviewer reads.
 */
export async function planChanges(
  opts: ChangeOptions,
): Promise<{ files: RenderedFile[]; changes: (changed: RenderedFile[]) => ValueChange[] }> {
  const edits = parseEdits(opts.flags.edits);
  const rendered =
    edits.length > 0 && opts.flags.filepath === undefined
      ? []
      : await renderTree({
          root: opts.root,
          workingSubdir: opts.workingSubdir,
          ...(opts.flags.filepath !== undefined ? { filepath: opts.flags.filepath } : {}),
          values: opts.flags.substitute,
          ...(opts.gitRevision !== undefined ? { gitRevision: opts.gitRevision } : {}),
          ...(opts.source !== undefined ? { source: opts.source } : {}),
        });
  const edited = await applyEdits(opts.root, opts.workingSubdir, edits, rendered);
  return {
    files: [...rendered, ...edited.files],
    // Only the changed files count: a value already in place is no change to report.
    changes: (changed) => [
      ...valueChanges(
        changed.filter((f) => f.editedBy === undefined),
        opts.flags.substitute,
      ),
      ...edited.changes.filter((c) => changed.some((f) => f.path === c.file)),
    ],
  };
}
