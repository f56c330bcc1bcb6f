import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '../../core/errors.js';
import { resolveInside } from '../paths.js';
import { normaliseSubdir, templateSelector, DEFAULT_FILEPATH } from './filepath.js';
import { findTemplates } from './find-templates.js';
import { withHeader, withoutHeader } from './header.js';
import { renderTemplate } from './template.js';
import { checkRendered } from './validate.js';

export { environmentDir, DEFAULT_FILEPATH } from './filepath.js';
export { writeRendered } from './write.js';

export interface RenderOptions {
  /** The GitOps checkout; nothing outside it is read. */
  root: string;
  /** Subdirectory of the checkout the step works in ("" or "apps" from /workspace/<res>/apps). */
  workingSubdir: string;
  /** Glob relative to the working subdirectory; default every `**\/*.tmpl`. */
  filepath?: string;
  values: Record<string, string>;
  gitRevision?: string;
  /** Names the source in the header, e.g. "github:acme/app@<sha>". */
  source?: string;
}

export interface RenderedFile {
  /** Relative to root, posix separators: the output X for template X.tmpl. */
  path: string;
  /** The template, relative to root; for an edited file, the file itself. */
  template: string;
  /** The file's current content, null when it does not exist yet. */
  before: string | null;
  after: string;
  /** Set for a file edited in place (-set-image, -set-value): the flags that changed it. */
  editedBy?: string[];
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) {
      throw new PermanentError(
        'gitops_output_is_directory',
        `${file} is a directory, so its template cannot be rendered into it; rename the template or the directory`,
      );
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Renders every template that -filepath selects under the working subdirectory. Reads only;
 * writes nothing. Fails (PermanentError) on a missing value, an unsupported placeholder, output
 * that does not parse, any path leaving the checkout, or when nothing is selected at all.
 */
export async function renderTree(opts: RenderOptions): Promise<RenderedFile[]> {
  const subdir = normaliseSubdir(opts.workingSubdir);
  const select = templateSelector(opts.filepath);
  const workDir = await resolveInside(opts.root, subdir);
  let candidates: string[];
  try {
    candidates = await findTemplates(workDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new PermanentError(
        'gitops_workdir_missing',
        `working directory "${subdir}" does not exist in the GitOps checkout; check the step's workingDir`,
      );
    }
    throw err;
  }
  const selected = candidates.filter(select);
  if (selected.length === 0) {
    throw new PermanentError(
      'gitops_no_templates',
      `no template matches -filepath "${opts.filepath ?? DEFAULT_FILEPATH}" in "${subdir || '.'}" of the GitOps checkout` +
        ` (templates there: ${candidates.length > 0 ? candidates.join(', ') : 'none'}); check -filepath and the step's workingDir`,
    );
  }
  const files: RenderedFile[] = [];
  for (const rel of selected) {
    const template = path.posix.join(subdir, rel);
    const output = template.slice(0, -'.tmpl'.length);
    const text = await readFile(await resolveInside(opts.root, template), 'utf8');
    const rendered = renderTemplate(text, opts.values, template);
    const after = withHeader(output, rendered, { template, source: opts.source, gitRevision: opts.gitRevision });
    checkRendered(output, template, after);
    const before = await readIfExists(await resolveInside(opts.root, output));
    files.push({ path: output, template, before, after });
  }
  return files;
}

/** Whether a file changes by more than its generated header (a new revision alone is no change). */
export function isContentChange(file: RenderedFile): boolean {
  return file.before === null || withoutHeader(file.before) !== withoutHeader(file.after);
}
