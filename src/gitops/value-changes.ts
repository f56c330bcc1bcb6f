import type { RenderedFile } from './render/index.js';
import { withoutHeader } from './render/header.js';

/** One substituted value as a reviewer reads it: `imageName` went from `old` to `new` in a file. */
export interface ValueChange {
  key: string;
  file: string;
  /** The value the base branch had in the same place, null when the line is new. */
  before: string | null;
  after: string;
}

const lines = (text: string | null) => (text === null ? [] : withoutHeader(text).split('\n'));

/**
 * Finds, for each `-substitute` value, the lines it changed and what stood in its place on the
 * base branch: a removed line with the same text before and after the value (`image: ` … ``)
 * gives the old value. Reads the rendered files only; no second render, no API call.
 */
export function valueChanges(files: RenderedFile[], values: Record<string, string>): ValueChange[] {
  const out: ValueChange[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const before = lines(file.before);
    const after = lines(file.after);
    const removed = before.filter((l) => !after.includes(l));
    for (const line of after.filter((l) => !before.includes(l))) {
      for (const [key, value] of Object.entries(values)) {
        const at = value === '' ? -1 : line.indexOf(value);
        if (at === -1) continue;
        const prefix = line.slice(0, at);
        const suffix = line.slice(at + value.length);
        const old = removed.find(
          (r) => r.startsWith(prefix) && r.endsWith(suffix) && r.length >= prefix.length + suffix.length,
        );
        const change: ValueChange = {
          key,
          file: file.path,
          before: old === undefined ? null : old.slice(prefix.length, old.length - suffix.length),
          after: value,
        };
        const id = JSON.stringify([change.key, change.before, change.after]);
        if (change.before === change.after || seen.has(id)) continue;
        seen.add(id);
        out.push(change);
      }
    }
  }
  return out;
}
