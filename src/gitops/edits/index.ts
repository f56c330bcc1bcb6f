import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '../../core/errors.js';
import { resolveInside } from '../paths.js';
import { normaliseSubdir } from '../render/filepath.js';
import type { RenderedFile } from '../render/index.js';
import type { ValueChange } from '../value-changes.js';
import type { Edit } from './parse.js';
import { setImage } from './set-image.js';
import { setValue } from './set-value.js';

export { parseEdits, type Edit } from './parse.js';
export { stepEnvironmentDir } from './environment.js';

// The names kustomize looks for in a directory, in its order.
const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const flagOf = (e: Edit) => (e.kind === 'image' ? '-set-image' : e.create ? '-create-value' : '-set-value');

function refuse(code: string, message: string): never {
  throw new PermanentError(code, message);
}

/** The file an edit names, relative to the checkout, refusing escapes as -filepath does. */
async function targetOf(root: string, subdir: string, edit: Edit): Promise<string> {
  const parts = edit.file.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (edit.file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(edit.file) || parts.includes('..') || parts.length === 0)
    refuse(
      'gitops_path_outside',
      `${flagOf(edit)} file "${edit.file}" must be a path inside the step's workingDir, without ".." and not absolute`,
    );
  const rel = path.posix.join(subdir || '.', ...parts);
  const abs = await resolveInside(root, rel);
  const info = await stat(abs).catch(() => null);
  if (info === null)
    refuse(
      'gitops_edit_file_missing',
      `${flagOf(edit)}: ${rel} does not exist in the GitOps checkout; check the file name and the step's workingDir`,
    );
  if (!info.isDirectory()) return rel;
  if (edit.kind !== 'image')
    refuse('gitops_edit_file_missing', `${flagOf(edit)}: ${rel} is a directory; name the YAML file`);
  const found: string[] = [];
  for (const name of KUSTOMIZATION_NAMES)
    if (await stat(await resolveInside(root, `${rel}/${name}`)).catch(() => null)) found.push(name);
  if (found.length !== 1)
    refuse(
      'gitops_edit_file_missing',
      found.length === 0
        ? `-set-image: ${rel} has no kustomization.yaml (nor kustomization.yml, Kustomization); name the kustomization file or its directory`
        : `-set-image: ${rel} has ${found.join(' and ')}; kustomize refuses that too, keep one`,
    );
  return `${rel}/${found[0]}`;
}

export interface EditedTree {
  files: RenderedFile[];
  changes: ValueChange[];
}

/**
 * Applies the step's edits in order to the files of the checkout (a file edited twice gets both);
 * reads only. A file that a template renders cannot also be edited: the template owns it.
 */
export async function applyEdits(
  root: string,
  workingSubdir: string,
  edits: Edit[],
  rendered: RenderedFile[],
): Promise<EditedTree> {
  const subdir = normaliseSubdir(workingSubdir);
  const texts = new Map<string, { before: string; after: string; by: string[] }>();
  const changes: ValueChange[] = [];
  for (const edit of edits) {
    const file = await targetOf(root, subdir, edit);
    const owner = rendered.find((f) => f.path === file);
    if (owner)
      refuse(
        'gitops_edit_conflict',
        `${flagOf(edit)}: ${file} is rendered from ${owner.template}; change the template instead, or drop the flag`,
      );
    let entry = texts.get(file);
    if (entry === undefined) {
      const before = await readFile(await resolveInside(root, file), 'utf8');
      entry = { before, after: before, by: [] };
      texts.set(file, entry);
    }
    const result = edit.kind === 'image' ? setImage(file, entry.after, edit) : setValue(file, entry.after, edit);
    entry.after = result.text;
    entry.by.push(`${flagOf(edit)} ${edit.kind === 'image' ? edit.image.name : (result.change?.key ?? '')}`.trim());
    if (result.change) changes.push({ ...result.change, file });
  }
  const files = [...texts].map(([file, t]) => ({
    path: file,
    template: file,
    before: t.before,
    after: t.after,
    editedBy: t.by,
  }));
  return { files, changes };
}
