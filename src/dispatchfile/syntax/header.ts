import type { Problem } from '../errors.js';

export type Syntax = 'cue' | 'yaml' | 'json';

export interface DetectedSyntax {
  syntax: Syntax;
  /** True when the first line named the syntax (no header means CUE, as in Dispatch). */
  declared: boolean;
  /** The text with the header line blanked, so line numbers stay those of the file. */
  body: string;
}

const SUPPORTED =
  '`#!mesosphere/dispatch-cue:v0.6`, `#!mesosphere/dispatch-yaml:v0.6`, `#!mesosphere/dispatch-json:v0.6` (or `#!cue`, `#!yaml`, `#!json`)';

/** Reads the `#!` first line. Returns a Problem (at 1:1) for Starlark or an unknown header. */
export function detectSyntax(text: string): DetectedSyntax | Problem {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const end = src.search(/\r?\n|$/);
  const first = src.slice(0, end);
  if (!first.startsWith('#!')) return { syntax: 'cue', declared: false, body: src };
  const body = src.slice(end);
  const header = first.slice(2).trim();
  const m = /^(?:mesosphere\/dispatch-)?([a-z]+)(?::v?[0-9][0-9A-Za-z.+-]*)?$/.exec(header);
  const name = m?.[1];
  if (name === 'cue' || name === 'yaml' || name === 'json') return { syntax: name, declared: true, body };
  if (name === 'starlark') {
    return {
      line: 1,
      col: 1,
      message: `Starlark Dispatchfiles are not supported by dispatchd (it never runs code from a repository); rewrite this file in CUE, YAML or JSON and start it with ${SUPPORTED}`,
    };
  }
  return {
    line: 1,
    col: 1,
    message: `unknown syntax header ${JSON.stringify(first)}; the first line must be one of ${SUPPORTED}, or no header for CUE`,
  };
}
