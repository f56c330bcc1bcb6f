import { PermanentError } from '../core/errors.js';

export interface VariableContext {
  git: { commit: string; branch?: string; tag?: string; url: string };
  /** `build.name` is the branch or tag name, as in Dispatch. */
  build: { name: string };
  /** Resource name → param name → value (an image's `digest` included once resolved). */
  resources: Record<string, Record<string, string>>;
}

/** `$(…)` with no nested parentheses or spaces; anything else is left as written. */
const VARIABLE = /\$\(([^()\s]+)\)/g;

export type ParsedVariable =
  | { kind: 'context'; path: 'git.commit' | 'git.branch' | 'git.tag' | 'git.url' | 'build.name' }
  | { kind: 'resource'; direction: 'inputs' | 'outputs'; resource: string; param: string }
  | { kind: 'unknown' };

const CONTEXT_PATHS = ['git.commit', 'git.branch', 'git.tag', 'git.url', 'build.name'] as const;

export function parseVariable(name: string): ParsedVariable {
  if (name.startsWith('context.')) {
    const path = name.slice('context.'.length);
    return (CONTEXT_PATHS as readonly string[]).includes(path)
      ? { kind: 'context', path: path as (typeof CONTEXT_PATHS)[number] }
      : { kind: 'unknown' };
  }
  const m = /^(inputs|outputs)\.resources\.(.+)\.([^.]+)$/.exec(name);
  if (m?.[1] && m[2] && m[3])
    return { kind: 'resource', direction: m[1] as 'inputs' | 'outputs', resource: m[2], param: m[3] };
  return { kind: 'unknown' };
}

/** Every `$(name)` in the text, with its 0-based offset. */
export function findVariables(text: string): { name: string; offset: number }[] {
  return [...text.matchAll(VARIABLE)].map((m) => ({ name: m[1] ?? '', offset: m.index ?? 0 }));
}

/**
 * Replaces the Dispatch variables. An unknown variable, or one with no value for this push
 * (`$(context.git.tag)` on a branch push), is an error naming it and `where`, never "".
 */
export function substituteVariables(text: string, ctx: VariableContext, where: string): string {
  return text.replace(VARIABLE, (_whole, name: string) => {
    const value = lookup(name, ctx);
    if (typeof value === 'string') return value;
    throw new PermanentError('variable_unknown', `${value.problem} in ${where}; ${value.fix}`);
  });
}

function lookup(name: string, ctx: VariableContext): string | { problem: string; fix: string } {
  const v = parseVariable(name);
  if (v.kind === 'unknown') {
    return {
      problem: `unknown variable $(${name})`,
      fix: 'use $(context.git.commit|branch|tag|url), $(context.build.name) or $(inputs|outputs.resources.NAME.PARAM)',
    };
  }
  if (v.kind === 'context') {
    const value =
      v.path === 'build.name'
        ? ctx.build.name
        : ctx.git[v.path.slice('git.'.length) as 'commit' | 'branch' | 'tag' | 'url'];
    if (value !== undefined) return value;
    return {
      problem: `$(${name}) has no value for this push (${v.path === 'git.tag' ? 'it is not a tag push' : 'it is not a branch push'})`,
      fix: 'use $(context.build.name) for "the branch or tag name", or $(context.git.commit)',
    };
  }
  const params = Object.hasOwn(ctx.resources, v.resource) ? ctx.resources[v.resource] : undefined;
  if (!params) {
    return {
      problem: `$(${name}) names resource "${v.resource}", which is not defined`,
      fix: 'define the resource or fix the name',
    };
  }
  if (Object.hasOwn(params, v.param)) return params[v.param] ?? '';
  const known = Object.keys(params);
  return {
    problem: `$(${name}): resource "${v.resource}" has no param "${v.param}"`,
    fix: `it has ${known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : 'no params'}`,
  };
}
