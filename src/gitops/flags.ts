import { PermanentError } from '../core/errors.js';

/** The flags of mesosphere/update-gitops-repo, as a Dispatchfile step passes them. */
export interface UpdateGitopsFlags {
  gitRevision?: string;
  substitute: Record<string, string>;
  filepath?: string;
  scmProvider?: string;
  apiEndpoint?: string;
  branch?: string;
  createPullRequest: boolean;
  mergePullRequest: boolean;
  commitMessage?: string;
  /** -set-image, -set-value and -create-value, in the order given (parsed by edits/parse.ts). */
  edits: EditFlag[];
  /** Words left after the flags (after `--` or the first non-flag), as Go's `flag.Args()`. */
  rest?: string[];
}

/** One in-place edit flag as written; its value is parsed once digests are resolved. */
export interface EditFlag {
  flag: EditFlagName;
  raw: string;
}

export const EDIT_FLAGS = ['set-image', 'set-value', 'create-value'] as const;
export type EditFlagName = (typeof EDIT_FLAGS)[number];

export const SCM_PROVIDERS = ['github', 'gitlab', 'bitbucket-cloud', 'bitbucket-server', 'git'] as const;

type StringFlag = 'gitRevision' | 'filepath' | 'scmProvider' | 'apiEndpoint' | 'branch' | 'commitMessage';
type BoolFlag = 'createPullRequest' | 'mergePullRequest';
type FlagSpec =
  | { kind: 'string'; field: StringFlag }
  | { kind: 'bool'; field: BoolFlag }
  | { kind: 'substitute' }
  | { kind: 'edit'; flag: EditFlagName };

const FLAGS: ReadonlyMap<string, FlagSpec> = new Map<string, FlagSpec>([
  ['git-revision', { kind: 'string', field: 'gitRevision' }],
  ['substitute', { kind: 'substitute' }],
  ['filepath', { kind: 'string', field: 'filepath' }],
  ['scm-provider', { kind: 'string', field: 'scmProvider' }],
  ['api-endpoint', { kind: 'string', field: 'apiEndpoint' }],
  ['branch', { kind: 'string', field: 'branch' }],
  ['create-pull-request', { kind: 'bool', field: 'createPullRequest' }],
  ['merge-pull-request', { kind: 'bool', field: 'mergePullRequest' }],
  ['commit-message', { kind: 'string', field: 'commitMessage' }],
  ...EDIT_FLAGS.map((flag): [string, FlagSpec] => [flag, { kind: 'edit', flag }]),
]);

// strconv.ParseBool's accepted spellings, so `-merge-pull-request=T` means what it meant in Go.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

// Keys become template names: `.name` in `$({ .name })` and `{{name}}`; a dot would mean a
// nested lookup in both, and `__proto__` is refused outright so no value shadows a prototype.
const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function fail(message: string): never {
  throw new PermanentError('gitops_flag_invalid', message);
}

function parseSubstitution(raw: string, into: Record<string, string>): void {
  const eq = raw.indexOf('=');
  if (eq <= 0) fail(`-substitute "${raw}" is not key=value; write it as -substitute=imageName=repo/app@sha256:...`);
  const key = raw.slice(0, eq);
  if (!KEY_PATTERN.test(key) || key === '__proto__') {
    fail(
      `-substitute key "${key}" is not a usable name; use letters, digits, "_" and "-", starting with a letter or "_"`,
    );
  }
  into[key] = raw.slice(eq + 1);
}

/**
 * Parses update-gitops-repo's arguments the way Go's `flag` package does: `-f=v`, `-f v`,
 * `--f=v`, `--f v`; a bare boolean flag is true and only `-f=false` turns it off; parsing stops at
 * `--` (consumed) or the first word that is not a flag; the last of a repeated flag wins, except
 * `-substitute` and the edit flags, which accumulate.
 */
export function parseUpdateGitopsFlags(args: string[]): UpdateGitopsFlags {
  const flags: UpdateGitopsFlags = {
    substitute: {},
    edits: [],
    createPullRequest: true,
    mergePullRequest: false,
    rest: [],
  };
  let i = 0;
  while (i < args.length) {
    const word = args[i] as string;
    if (word.length < 2 || !word.startsWith('-')) break;
    if (word === '--') {
      i += 1;
      break;
    }
    const body = word.startsWith('--') ? word.slice(2) : word.slice(1);
    if (body.length === 0 || body.startsWith('-') || body.startsWith('=')) {
      fail(`bad flag syntax: ${word}; write flags as -name=value`);
    }
    i += 1;
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const spec = FLAGS.get(name);
    if (spec === undefined) {
      fail(
        `unknown update-gitops-repo flag "-${name}"; known flags: ${[...FLAGS.keys()].map((k) => `-${k}`).join(', ')}`,
      );
    }
    if (spec.kind === 'bool') {
      if (inline === undefined) {
        flags[spec.field] = true;
      } else if (TRUE_WORDS.has(inline)) {
        flags[spec.field] = true;
      } else if (FALSE_WORDS.has(inline)) {
        flags[spec.field] = false;
      } else {
        fail(`invalid boolean value "${inline}" for -${name}; use -${name}=true or -${name}=false`);
      }
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i >= args.length) fail(`flag needs an argument: -${name}`);
      value = args[i] as string;
      i += 1;
    }
    if (spec.kind === 'substitute') {
      parseSubstitution(value, flags.substitute);
    } else if (spec.kind === 'edit') {
      flags.edits.push({ flag: spec.flag, raw: value });
    } else {
      flags[spec.field] = value;
    }
  }
  flags.rest = args.slice(i);
  if (flags.scmProvider !== undefined && !(SCM_PROVIDERS as readonly string[]).includes(flags.scmProvider)) {
    fail(`unknown -scm-provider "${flags.scmProvider}"; use one of ${SCM_PROVIDERS.join(', ')}`);
  }
  return flags;
}
