import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderTree } from '../../../src/gitops/render/index.js';

/** A scratch GitOps checkout in a temp dir; `add` writes files, `render` renders one file. */
export interface Scratch {
  root: string;
  add(rel: string, text: string): Promise<void>;
  render(rel: string, text: string, values?: Record<string, string>): Promise<string>;
  cleanup(): Promise<void>;
}

export async function scratchTree(): Promise<Scratch> {
  const base = await realpath(await mkdtemp(path.join(tmpdir(), 'dispatchd-scratch-')));
  const root = path.join(base, 'gitops');
  await mkdir(root);
  const add = async (rel: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  };
  return {
    root,
    add,
    async render(rel, text, values = {}) {
      await add(`${rel}.tmpl`, text);
      const [file] = await renderTree({ root, workingSubdir: '', filepath: `${rel}.tmpl`, values });
      if (file === undefined) throw new Error(`nothing rendered for ${rel}`);
      return file.after;
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
