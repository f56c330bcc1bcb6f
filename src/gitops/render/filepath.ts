import path from 'node:path';
import { PermanentError } from '../../core/errors.js';
import { compileGlob, isGlob } from '../../dispatchfile/glob-matcher.js';

/** What update-gitops-repo renders when no -filepath is given. */
export const DEFAULT_FILEPATH = '**/*.tmpl';

/** Normalises a working subdirectory ("", "apps", "./apps/") to "" or "apps", refusing escapes. */
export function normaliseSubdir(subdir: string): string {
  const cleaned = subdir.replace(/\\/g, '/');
  if (cleaned.startsWith('/')) {
    throw new PermanentError(
      'gitops_path_outside',
      `working directory "${subdir}" is absolute; give it relative to the GitOps checkout, e.g. "apps"`,
    );
  }
  const parts = cleaned.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new PermanentError(
      'gitops_path_outside',
      `working directory "${subdir}" contains ".."; it must stay inside the GitOps checkout`,
    );
  }
  return parts.join('/');
}

/** Refuses a -filepath that could reach outside the working directory; returns it normalised. */
export function checkFilepath(filepath: string): string {
  if (filepath.startsWith('/') || filepath.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(filepath)) {
    throw new PermanentError(
      'gitops_path_outside',
      `-filepath "${filepath}" is absolute; give a glob relative to the step's workingDir, e.g. -filepath=staging/*.tmpl`,
    );
  }
  const parts = filepath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new PermanentError(
      'gitops_path_outside',
      `-filepath "${filepath}" contains ".."; it must select templates inside the step's workingDir`,
    );
  }
  if (parts.length === 0) {
    throw new PermanentError(
      'gitops_flag_invalid',
      `-filepath "${filepath}" selects nothing; give a glob such as staging/*.tmpl`,
    );
  }
  return parts.join('/') + (filepath.endsWith('/') ? '/' : '');
}

/**
 * Builds the predicate that says whether a template (path relative to the working directory)
 * is selected. A template is selected when the glob matches the template itself, the file it
 * renders to (so `-filepath=staging/application.yaml` works), or a directory above it (so
 * `-filepath=staging` means everything in staging).
 */
export function templateSelector(filepath: string | undefined): (templateRel: string) => boolean {
  const glob = checkFilepath(filepath ?? DEFAULT_FILEPATH).replace(/\/$/, '');
  const matches = compileGlob(glob, { negate: true });
  const below = isGlob(glob) ? compileGlob(`${glob}/**`, { negate: true }) : undefined;
  return (templateRel) => {
    if (matches.test(templateRel) || matches.test(templateRel.slice(0, -'.tmpl'.length))) return true;
    if (below) return below.test(templateRel);
    return templateRel.startsWith(`${glob}/`);
  };
}

/**
 * The environment directory, relative to the checkout root: the working subdirectory joined with
 * the literal directory part of -filepath. Glob segments and the file name are dropped; a last
 * literal segment counts as a directory when -filepath ends in "/" or the segment has no ".".
 * The checkout root itself is "".
 */
export function environmentDir(filepath: string | undefined, workingSubdir: string): string {
  const sub = normaliseSubdir(workingSubdir);
  if (filepath === undefined) return sub;
  const checked = checkFilepath(filepath);
  const trailingSlash = checked.endsWith('/');
  const segments = checked.replace(/\/$/, '').split('/');
  const literal: string[] = [];
  let sawGlob = false;
  for (const segment of segments) {
    if (isGlob(segment)) {
      sawGlob = true;
      break;
    }
    literal.push(segment);
  }
  if (!sawGlob && !trailingSlash) {
    const last = literal[literal.length - 1] ?? '';
    if (last.includes('.')) literal.pop();
  }
  return path.posix.join(sub || '.', ...literal).replace(/^\.$/, '');
}
