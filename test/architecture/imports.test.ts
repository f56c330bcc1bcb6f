import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The layers of docs/architecture.md, bottom first. A folder may import only from folders in
 * lower layers (and within itself): no cycle, no upward arrow. A new folder goes into this table
 * and the document together.
 */
const LAYERS: string[][] = [
  ['src/core', 'src/log'],
  ['src/config', 'src/dispatchfile', 'src/git', 'src/registry'],
  ['src/demo', 'src/redis', 'src/scm'],
  ['src/queue'],
  ['src/gitops'],
  ['src/metrics', 'src/plan', 'src/promotion', 'src/telemetry'],
  ['src/audit'],
  ['src/http'],
  ['src/runtime'],
  ['workers'],
  ['src/cli'],
];

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `src/gitops/apply.ts` → `src/gitops`; `workers/push.ts` → `workers`. */
const folderOf = (file: string) => (file.startsWith('workers/') ? 'workers' : file.split('/').slice(0, 2).join('/'));

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of [...sources('src'), ...sources('workers')]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+['"](\.[^'"]+)['"]/gms)) {
      const target = relative(ROOT, normalize(join(ROOT, dirname(file), m[1]!)));
      out.push({ from: folderOf(file), to: folderOf(target), file, target });
    }
  }
  return out;
}

describe('imports flow one way (docs/architecture.md, "Layers")', () => {
  const all = edges();

  it('reads the imports of every source file (the check is not vacuous)', () => {
    assert.ok(all.length > 300, `only ${all.length} imports found`);
    assert.ok(all.some((e) => e.from === 'workers' && e.to === 'src/queue'));
  });

  it('every folder of src/ and workers/ has a layer', () => {
    const folders = new Set([...sources('src'), ...sources('workers')].map(folderOf));
    const missing = [...folders].filter((f) => !layerOf.has(f));
    assert.deepEqual(missing, [], 'add these folders to LAYERS here and to the table in docs/architecture.md');
  });

  it('no import points to a folder in the same or a higher layer', () => {
    const upward = all
      .filter((e) => e.from !== e.to && (layerOf.get(e.to) ?? Infinity) >= (layerOf.get(e.from) ?? -Infinity))
      .map((e) => `${e.file} imports ${e.target} (${e.to} is not below ${e.from})`);
    assert.deepEqual(upward, []);
  });
});
