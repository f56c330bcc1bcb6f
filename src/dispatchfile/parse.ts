import { DispatchfileError, type Problem } from './errors.js';
import { DEFAULT_MAX_DISPATCHFILE_BYTES, describeBytes } from './limits.js';
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

export interface ParseOptions {
  /**
   * Largest Dispatchfile accepted, in bytes of UTF-8; default DEFAULT_MAX_DISPATCHFILE_BYTES
   * (256 KiB). A larger file is refused before any syntax is read.
   */
  maxBytes?: number;
}

/**
 * Reads a Dispatchfile in any supported syntax into the normalised model, and checks it. Every
 * problem found is in the one DispatchfileError thrown; warnings are left to validateDispatchfile.
 * Parsing is bounded (src/dispatchfile/limits.ts): size, nesting depth, YAML alias expansion.
 */
export function parseDispatchfile(text: string, file = 'Dispatchfile', options: ParseOptions = {}): Dispatchfile {
  const tooLarge = sizeProblem(text, options.maxBytes ?? DEFAULT_MAX_DISPATCHFILE_BYTES);
  if (tooLarge) throw new DispatchfileError([tooLarge], file);
  const detected = detectSyntax(text);
  if (!('syntax' in detected)) throw new DispatchfileError([detected], file);
  const { tree, problems } = READERS[detected.syntax](detected.body);
  if (!tree || problems.length > 0) {
    const first = problems[0];
    if (first && detected.syntax === 'cue' && !detected.declared && looksLikeYaml(detected.body)) {
      problems[0] = {
        ...first,
        message: `${first.message} (the file has no \`#!\` header, so it was read as CUE; start a YAML file with \`#!mesosphere/dispatch-yaml:v0.6\`)`,
      };
    }
    throw new DispatchfileError(
      problems.length > 0 ? problems : [{ line: 1, col: 1, message: 'the file could not be read' }],
      file,
    );
  }
  // Cross-reference checks run even when some fields were refused, so one run lists everything.
  const { df, problems: modelProblems } = normalise(tree);
  const all = [...modelProblems, ...validateDispatchfile(df).errors];
  if (all.length > 0) throw new DispatchfileError(all, file);
  Object.defineProperty(df, 'file', { value: file, enumerable: false });
  return df;
}

/**
 * A Dispatchfile the SCM reader stopped reading at the limit (FileTooLargeError): refused as
 * parseDispatchfile refuses one it was handed whole, at the line and column where the limit falls
 * in the bytes that were read (line 1 when the reader knew the size without reading any).
 */
export function oversizeDispatchfile(head: Buffer, file: string, maxBytes: number): DispatchfileError {
  const text = head.toString('utf8');
  const problem = limitProblem(text, maxBytes, `the file is over the ${describeBytes(maxBytes)} limit`);
  return new DispatchfileError([problem], file);
}

/** A file over maxBytes, refused at the line and column of its first byte past the limit. */
function sizeProblem(text: string, maxBytes: number): Problem | undefined {
  // Characters are at most 3 bytes each in UTF-16 → UTF-8 (a surrogate pair is 4 for 2).
  if (text.length * 3 <= maxBytes) return undefined;
  const size = Buffer.byteLength(text, 'utf8');
  if (size <= maxBytes) return undefined;
  return limitProblem(text, maxBytes, `the file is ${size} bytes, over the ${describeBytes(maxBytes)} limit`);
}

function limitProblem(text: string, maxBytes: number, what: string): Problem {
  let bytes = 0;
  let line = 1;
  let col = 1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
    bytes += width;
    if (bytes > maxBytes) break;
    if (c === 0x0a) {
      line += 1;
      col = 1;
    } else col += 1;
  }
  return {
    line,
    col,
    message: `${what} for a Dispatchfile (the limit falls here); make the file smaller, or ask the operator to raise the limit (dispatchfileMaxBytes)`,
  };
}

/** Block-style YAML: `- item` lines or `key:` ending a line; the CUE subset has neither. */
function looksLikeYaml(body: string): boolean {
  // `[ \t]*`, not `\s*`: with the m flag `\s*` would run across lines from every line start
  // (quadratic on a file of blank lines).
  return /^[ \t]*- /m.test(body) || /^[ \t]*[\w"-]+:[ \t\r]*$/m.test(body);
}
