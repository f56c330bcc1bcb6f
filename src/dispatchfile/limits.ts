/**
 * The limits that keep a hostile Dispatchfile cheap to refuse. Anyone who can push a branch
 * writes the Dispatchfile, so parsing must cost a small, known budget of CPU and memory whatever
 * the text (docs/dispatchfile.md, "Limits"). Each refusal is a Dispatchfile problem at a line
 * and column that names the limit.
 */

/** Default largest Dispatchfile, in bytes of UTF-8 (256 KiB); parseDispatchfile's `maxBytes`. */
export const DEFAULT_MAX_DISPATCHFILE_BYTES = 256 * 1024;

/** Deepest nesting of structs and lists, in every syntax (YAML aliases included). */
export const MAX_NESTING_DEPTH = 64;

/**
 * YAML aliases: at most this many `*alias` expansions in all (an alias inside an anchor counts
 * each time the anchor is expanded), and at most MAX_YAML_ALIAS_NODES nodes added to the tree
 * by expanding them. Either bound alone stops the "billion laughs"; both are far above what a
 * Dispatchfile that reuses a step or a list needs.
 */
export const MAX_YAML_ALIAS_EXPANSIONS = 100;
export const MAX_YAML_ALIAS_NODES = 10_000;

/** A refusal lists at most this many problems (then one line saying how many more). */
export const MAX_REPORTED_PROBLEMS = 100;

/**
 * Glob-matching steps (the matcher's count of NFA states visited, glob-matcher.ts) that matching
 * one push or pull request against the Dispatchfile may spend, over every glob list and every
 * branch, tag, changed path, label or command it tests: matchActions' default budget. A match is
 * linear, but the pusher also chooses how many globs and names there are; past this the plan is
 * refused as a Dispatchfile problem. Tens of milliseconds of CPU; an ordinary file against 3 000
 * changed paths spends 0.1 to 2.3 million (every path tested against globstar globs), while
 * 10 000 `*a*a…b` globs against a 255-character branch would spend 133 million (≈2 s).
 */
export const MAX_MATCH_STEPS = 5_000_000;

export { MAX_GLOB_LENGTH, MAX_BRACE_RANGE, MAX_GLOB_NESTING } from './glob-matcher.js';

/** `256 KiB (262144 bytes)`, or `1000 bytes`. */
export function describeBytes(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB (${n} bytes)` : `${n} bytes`;
}
