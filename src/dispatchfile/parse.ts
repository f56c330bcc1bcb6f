import { DispatchfileError, type Problem } from './errors.js';
import type { Dispatchfile } from './model.js';
import { normalise } from './normalise.js';
import { readCue } from './syntax/cue-parser.js';
import { detectSyntax, type Syntax } from './syntax/header.js';
import type { Node } from './syntax/tree.js';
import { readJson } from './syntax/json-tree.js';
import { readYaml } from './syntax/yaml-tree.js';
import { validateDispatchfile } from './validate.js';

const READERS: Record<Syntax, (body: string) => { tree?: Node; problems: Problem[] }> = {
  cue: readCue,
  yaml: readYaml,
  json: readJson,
};

/**
 * Reads a Dispatchfile in any supported syntax into the normalised model, and checks it. Every
 * problem found is in the one DispatchfileError thrown; warnings are left to validateDispatchfile.
 */
export function parseDispatchfile(text: string, file = 'Dispatchfile'): Dispatchfile {
  const detected = detectSyntax(text);
  if (!('syntax' in detected)) throw new DispatchfileError([detected], file);
  const { tree, problems } = READERS[detected.syntax](detected.body);
  if (!tree || problems.length > 0) {
    const first = problems[0];
    if (first && detected.syntax === 'cue' && !detected.declared && looksLikeYaml(detected.body)) {
      problems[0] = { ...first, message: `${first.message} (the file has no \`#!\` header, so it was read as CUE; start a YAML file with \`#!mesosphere/dispatch-yaml:v0.6\`)` };
    }
    throw new DispatchfileError(problems.length > 0 ? problems : [{ line: 1, col: 1, message: 'the file could not be read' }], file);
  }
  // Cross-reference checks run even when some fields were refused, so one run lists everything.
  const { df, problems: modelProblems } = normalise(tree);
  const all = [...modelProblems, ...validateDispatchfile(df).errors];
  if (all.length > 0) throw new DispatchfileError(all, file);
  return df;
}

/** Block-style YAML: `- item` lines or `key:` ending a line; the CUE subset has neither. */
function looksLikeYaml(body: string): boolean {
  return /^\s*- /m.test(body) || /^\s*[\w"-]+:\s*$/m.test(body);
}
