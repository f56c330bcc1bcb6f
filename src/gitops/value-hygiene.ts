import { PermanentError } from '../core/errors.js';
import { parseEdits } from './edits/parse.js';
import type { UpdateGitopsFlags } from './flags.js';

/**
 * Values from Dispatchfiles and webhooks end up in YAML files, commit messages and git command
 * lines. A newline in a value can start a new YAML document or forge a commit trailer, so values
 * must be values: these checks refuse anything that could change the structure around them.
 */

// C0, DEL, C1, and the two Unicode line breaks that YAML and JavaScript treat as newlines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMES: Record<number, string> = {
  0x00: 'a NUL',
  0x09: 'a tab',
  0x0a: 'a newline',
  0x0b: 'a vertical tab',
  0x0c: 'a form feed',
  0x0d: 'a carriage return',
  0x1b: 'an escape',
  0x7f: 'a DEL',
  0x85: 'a next-line (NEL)',
  0x2028: 'a line separator',
  0x2029: 'a paragraph separator',
};

// Git reads a trailer as "Key: value" or "Key #value" in the message's last paragraph.
const TRAILER_LIKE = [/^[A-Za-z0-9][A-Za-z0-9-]*:\s/, /^[A-Za-z0-9][A-Za-z0-9-]* #/];
// Named by example, not listed: commit-trailers.ts owns the set.
const OWN_TRAILERS = 'Dispatchd-Env, Dispatchd-Commit, …';
const COMMIT_ID = /^[0-9a-fA-F]{7,64}$/;

function fail(message: string): never {
  throw new PermanentError('gitops_value_invalid', message);
}

function describeControl(ch: string): string {
  const code = ch.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${NAMES[code] ?? 'a control character'} (${hex})`;
}

/** The first control character in `value`, described, or undefined. */
function controlIn(value: string): string | undefined {
  const m = CONTROL.exec(value);
  return m ? describeControl(m[0]) : undefined;
}

function requireNoControl(value: string, what: string): void {
  const found = controlIn(value);
  if (found) fail(`${what}: the value contains ${found}; values may not hold control characters`);
}

const shown = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * Why `name` is not a valid git ref name (the rules of `git check-ref-format`, one-level names
 * allowed), or undefined when it is. Control characters are reported by the caller first.
 */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '@') return 'it is "@" alone';
  if (name.startsWith('-')) return 'it starts with "-" (git would read it as an option)';
  if (name.startsWith('/') || name.endsWith('/')) return 'it starts or ends with "/"';
  if (name.endsWith('.')) return 'it ends with "."';
  if (name.includes('//')) return 'it contains "//"';
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  const bad = /[\u0000-\u001f\u007f ~^:?*[\\]/.exec(name);
  if (bad) return bad[0] === ' ' ? 'it contains a space' : `it contains "${bad[0]}"`;
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `its component "${part}" starts with "."`;
    if (part.endsWith('.lock')) return `its component "${part}" ends with ".lock"`;
  }
  return undefined;
}

/**
 * For branch and tag names taken from webhooks: no control characters, and a valid git ref name.
 * `what` names the value in the message, e.g. `branch` or `tag`.
 */
export function checkRefName(name: string, what: string): void {
  requireNoControl(name, what);
  const problem = refNameProblem(name);
  if (problem) fail(`${what}: ${shown(name)} is not a valid git ref name: ${problem}`);
}

function checkCommitMessage(message: string): void {
  const what = '-commit-message';
  // Newlines separate lines and are checked line by line below; every other control is refused.
  const found = controlIn(message.replace(/\n/g, ''));
  if (found)
    fail(
      `${what}: the value contains ${found}; only newlines are allowed in a commit message, no other control characters`,
    );
  const lines = message.split('\n');
  if (lines[0]!.trim() === '')
    fail(`${what}: the first line (the commit subject) is empty; start the message with a subject line`);
  lines.forEach((line, i) => {
    // Git never reads the subject as a trailer, so "fix: bump" may start a message; a
    // Dispatchd- key is refused even there, so no reader can mistake it.
    if ((i > 0 && TRAILER_LIKE.some((re) => re.test(line))) || /^dispatchd-/i.test(line)) {
      fail(
        `${what}: line ${i + 1} ${shown(line)} looks like a git trailer ("Key: value"); dispatchd's own trailers (${OWN_TRAILERS}) must be the only trailers on its commits, so reword the line`,
      );
    }
  });
}

/**
 * Checks the values of update-gitops-repo flags after substitution: `-substitute` values,
 * `-git-revision`, `-branch`, `-filepath` and the edit flags hold no control characters; `-git-revision` is a
 * commit id or a ref name; `-branch` is a ref name; `-commit-message` may span lines but may
 * not forge trailers.
 */
export function checkFlagValues(flags: UpdateGitopsFlags): void {
  for (const [key, value] of Object.entries(flags.substitute)) requireNoControl(value, `-substitute ${key}`);
  if (flags.gitRevision !== undefined) {
    requireNoControl(flags.gitRevision, '-git-revision');
    const problem = COMMIT_ID.test(flags.gitRevision) ? undefined : refNameProblem(flags.gitRevision);
    if (problem)
      fail(
        `-git-revision: ${shown(flags.gitRevision)} is neither a commit id (7 to 64 hex digits) nor a valid git ref name: ${problem}`,
      );
  }
  if (flags.branch !== undefined) checkRefName(flags.branch, '-branch');
  if (flags.filepath !== undefined) requireNoControl(flags.filepath, '-filepath');
  for (const edit of flags.edits) requireNoControl(edit.raw, `-${edit.flag}`);
  // Parsed here too, so a malformed edit fails when the push is planned, not when it is applied.
  parseEdits(flags.edits);
  if (flags.commitMessage !== undefined) checkCommitMessage(flags.commitMessage);
}
