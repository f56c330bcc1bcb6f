import { readFile } from 'node:fs/promises';
import {
  DispatchfileError,
  detectSyntax,
  formatProblems,
  parseDispatchfile,
  planTasks,
  validateDispatchfile,
  type Action,
  type Condition,
  type Dispatchfile,
} from '../dispatchfile/index.js';

export interface ValidateResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * `dispatchd validate <file> [--json]`: exit 0 with a summary (or, with --json, the normalised
 * model) when the file is valid; exit 1 with one `file:line:col: message` line per problem.
 * Warnings go to stderr as `file:line:col: warning: …` and do not change the exit code.
 */
export async function runValidate(path: string, opts: { json: boolean }): Promise<ValidateResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    return {
      exitCode: 1,
      stdout: '',
      stderr: `${path}: cannot read the Dispatchfile (${reason}); pass the path of a Dispatchfile\n`,
    };
  }
  let df: Dispatchfile;
  try {
    df = parseDispatchfile(text, path);
  } catch (err) {
    if (!(err instanceof DispatchfileError)) throw err;
    const stdout = opts.json ? `${JSON.stringify({ valid: false, problems: err.problems }, null, 2)}\n` : '';
    return { exitCode: 1, stdout, stderr: `${err.message}\n` };
  }
  const { warnings } = validateDispatchfile(df);
  const stderr =
    warnings.length > 0
      ? `${formatProblems(
          path,
          warnings.map((w) => ({ ...w, message: `warning: ${w.message}` })),
        )}\n`
      : '';
  if (opts.json) return { exitCode: 0, stdout: `${JSON.stringify(df, null, 2)}\n`, stderr };
  const syntax = 'syntax' in detectSyntax(text) ? (detectSyntax(text) as { syntax: string }).syntax : 'cue';
  return { exitCode: 0, stdout: summary(path, syntax, df), stderr };
}

function summary(path: string, syntax: string, df: Dispatchfile): string {
  const resources = Object.entries(df.resources);
  const tasks = Object.keys(df.tasks);
  const plan = new Map(planTasks(df, tasks).map((p) => [p.name, p]));
  const lines = [
    `${path}: valid (${syntax}): ${count(df.actions.length, 'action')}, ${count(tasks.length, 'task')}, ${count(resources.length, 'resource')}`,
    '',
    'actions:',
    ...df.actions.map((a, i) => `  ${i + 1}. ${describeAction(a)}`),
    'tasks:',
    ...tasks.map((name) => {
      const p = plan.get(name);
      const after = p && p.dependsOn.length > 0 ? ` (after ${p.dependsOn.join(', ')})` : '';
      const image = p?.task.outputs.find((o) => df.resources[o]?.type === 'image');
      const what =
        p?.kind === 'image'
          ? `image reference (${image})`
          : p?.kind === 'gitops'
            ? 'GitOps update'
            : (p?.externalReason ?? '');
      return `  ${name}: ${what}${after}`;
    }),
    'resources:',
    ...resources.map(([name, r]) => `  ${name} (${r.type})${r.params['url'] ? ` ${r.params['url']}` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

function describeAction(action: Action): string {
  const name = action.name ? `${action.name}: ` : '';
  return `${name}${describeCondition(action.on)} → ${action.tasks.join(', ')}`;
}

function describeCondition(on: Condition): string {
  const parts: string[] = [];
  const list = (label: string, globs: string[] | undefined) => (globs ? ` ${label} ${globs.join(' ')}` : '');
  if (on.push)
    parts.push(`on push${list('branches', on.push.branches) || ' (any branch)'}${list('paths', on.push.paths)}`);
  if (on.tag) parts.push(`on tag${list('names', on.tag.names) || ' (any tag)'}`);
  if (on.pull_request) {
    const pr = on.pull_request;
    parts.push(
      `on pull_request${list('targets', pr.targets)}${list('sources', pr.sources)}${list('paths', pr.paths)}${list('chatops', pr.chatops)}${list('labels', pr.labels)}`,
    );
  }
  if (on.cron) parts.push(`on cron ${on.cron.schedule} (never fires in dispatchd)`);
  if (on.image) parts.push('on image push (never fires in dispatchd)');
  return parts.join('; ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
