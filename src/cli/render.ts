import { UsageError } from './ops/io.js';
import { createTwoFilesPatch } from 'diff';
import { DispatchError } from '../core/errors.js';
import { parseUpdateGitopsFlags } from '../gitops/flags.js';
import { planChanges } from '../gitops/changes.js';
import { stepEnvironmentDir } from '../gitops/edits/index.js';
import { isContentChange } from '../gitops/render/index.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const USAGE = `usage: dispatchd render --dir <gitops checkout> [--working-dir <subdir>] [update-gitops-repo flags...]

Renders the templates and applies the edits a GitOps step would, and prints each file it would
write with a unified diff. Changes nothing. Flags are those of the step, written as in a
Dispatchfile step's args, e.g.
  dispatchd render --dir ../hello-world-gitops -filepath=staging/*.tmpl \\
    -substitute=imageName=acme/hello-world@sha256:... -git-revision=abc123
  dispatchd render --dir ../hello-world-gitops \\
    -set-image=overlays/staging:hello-world=acme/hello-world:1.2.3 \\
    -set-value=charts/values-staging.yaml:image.tag=1.2.3
`;

interface OwnOptions {
  dir?: string;
  workingDir: string;
  help: boolean;
  rest: string[];
}

// Our own options may sit anywhere among the update-gitops-repo flags, in any Go-like spelling.
function takeOwnOptions(argv: string[]): OwnOptions {
  const own: OwnOptions = { workingDir: '', help: false, rest: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    const match = /^--?(dir|working-dir)(?:=(.*))?$/s.exec(word);
    if (word === '-h' || word === '--help' || word === '-help') {
      own.help = true;
    } else if (match !== null) {
      let value = match[2];
      if (value === undefined) {
        i += 1;
        value = argv[i];
        if (value === undefined) throw new UsageError(`--${match[1]} needs a value`);
      }
      if (match[1] === 'dir') own.dir = value;
      else own.workingDir = stripWorkspace(value);
    } else {
      own.rest.push(word);
    }
  }
  return own;
}

// A step's workingDir is /workspace/<resource>/<subdir>; accept it pasted as is.
function stripWorkspace(workingDir: string): string {
  const m = /^\/workspace\/[^/]+\/?(.*)$/.exec(workingDir);
  return m === null ? workingDir : (m[1] ?? '');
}

/** `dispatchd render`: a dry run of a GitOps update, for checking a template change locally. */
export async function runRender(argv: string[]): Promise<CliResult> {
  let own: OwnOptions;
  try {
    own = takeOwnOptions(argv);
  } catch (err) {
    return { exitCode: 2, stdout: '', stderr: `${(err as Error).message}\n${USAGE}` };
  }
  if (own.help) return { exitCode: 0, stdout: USAGE, stderr: '' };
  if (own.dir === undefined) return { exitCode: 2, stdout: '', stderr: `--dir is required\n${USAGE}` };
  try {
    const flags = parseUpdateGitopsFlags(own.rest);
    if (flags.rest !== undefined && flags.rest.length > 0) {
      return {
        exitCode: 2,
        stdout: '',
        stderr: `unexpected argument "${flags.rest[0]}" after the flags (Go's flag parsing stops there); write booleans as -create-pull-request=false\n`,
      };
    }
    const { files } = await planChanges({
      root: own.dir,
      workingSubdir: own.workingDir,
      flags,
      ...(flags.gitRevision !== undefined ? { gitRevision: flags.gitRevision } : {}),
    });
    const out: string[] = [`environment: ${stepEnvironmentDir(flags, own.workingDir) || '.'}`];
    for (const file of files) {
      if (file.before === file.after) {
        out.push(`unchanged ${file.path}`);
        continue;
      }
      const verb =
        file.before === null ? 'would create' : isContentChange(file) ? 'would update' : 'would update (header only)';
      const origin = file.editedBy ? `edited by ${file.editedBy.join(', ')}` : `from ${file.template}`;
      out.push(`${verb} ${file.path} (${origin})`);
      out.push(
        createTwoFilesPatch(
          file.before === null ? '/dev/null' : `a/${file.path}`,
          `b/${file.path}`,
          file.before ?? '',
          file.after,
        ).trimEnd(),
      );
    }
    return { exitCode: 0, stdout: `${out.join('\n')}\n`, stderr: '' };
  } catch (err) {
    if (err instanceof DispatchError) return { exitCode: 1, stdout: '', stderr: `error: ${err.message}\n` };
    throw err;
  }
}
