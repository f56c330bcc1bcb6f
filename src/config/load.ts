import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { DispatchdConfig } from './schema.js';
import { checkReferences } from './references.js';

export type Env = Record<string, string | undefined>;

/**
 * Replaces `${NAME}` with the environment's value. A reference to an unset variable is a
 * problem to report, never an empty string: an empty token or secret would fail much later and
 * far less clearly. `$${X}` writes a literal `${X}`.
 */
export function expandEnv(text: string, env: Env, problems: string[]): string {
  return text.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const value = env[name];
    if (value === undefined) {
      problems.push(`\${${name}} is referenced but not set in the environment: export ${name} or remove the reference`);
      return '';
    }
    return value;
  });
}

/** Parses and validates configuration text, listing every problem at once. */
export function parseConfig(text: string, env: Env, source = 'config'): DispatchdConfig {
  const problems: string[] = [];
  const expanded = expandEnv(text, env, problems);
  const doc = parseDocument(expanded);
  for (const err of doc.errors) problems.push(`${source}: YAML: ${err.message}`);
  if (doc.errors.length > 0) throw new ConfigError(problems);
  const raw: unknown = doc.toJS() ?? {};
  const result = DispatchdConfig.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      problems.push(`${where}: ${issue.message}`);
    }
  } else {
    problems.push(...checkReferences(result.data));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data!;
}

export async function loadConfigFile(path: string, env: Env): Promise<DispatchdConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read DISPATCHD_CONFIG=${path}: ${(err as Error).message}`]);
  }
  return parseConfig(text, env, path);
}
