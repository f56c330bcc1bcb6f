import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { chartDir, helmFetcher, render, repoRoot, workload } from './helm.js';

const getHelm = helmFetcher();
const docs = readFileSync(path.join(repoRoot, 'docs/helm.md'), 'utf8');

// Kubernetes objects passed through as they are: documented as a whole, not field by field.
const passthrough = new Set(['resources', 'podSecurityContext', 'securityContext']);

/** Dotted paths of every leaf in values.yaml (lists, empty maps and passthrough objects are leaves). */
function leafPaths(value: unknown, prefix = ''): string[] {
  const isLeaf = value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0;
  if (isLeaf || passthrough.has(prefix.split('.').at(-1) ?? '')) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe('docs/helm.md', () => {
  test('names every value of values.yaml', () => {
    const values: unknown = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'));
    // Full dotted path in backticks; receiver/worker keys are documented once without the prefix;
    // `a.b.*` covers a group; "`x.y` / `z`" rows name siblings of x.y.
    const undocumented = leafPaths(values).filter((p) => {
      const segments = p.split('.');
      const parent = segments.slice(0, -1).join('.');
      const last = segments.at(-1) ?? '';
      const names = [p, `${parent}.*`];
      if (segments[0] === 'receiver' || segments[0] === 'worker') names.push(segments.slice(1).join('.'));
      if (names.some((n) => docs.includes(`\`${n}\``))) return false;
      return !docs.split('\n').some((line) => line.includes(`\`${parent}.`) && line.includes(` / \`${last}\``));
    });
    assert.deepEqual(undocumented, []);
  });

  test('its helm install example renders', () => {
    const block = /cat > my-values\.yaml <<'EOF'\n([\s\S]*?)\nEOF/.exec(docs)?.[1];
    assert.ok(block, 'docs/helm.md has no my-values.yaml example');
    const dir = mkdtempSync(path.join(tmpdir(), 'dispatchd-docs-'));
    try {
      const file = path.join(dir, 'my-values.yaml');
      writeFileSync(file, block);
      const ms = render(getHelm(), ['-f', file]);
      assert.ok(workload(ms, 'StatefulSet', 'rel-dispatchd-redis'));
      assert.ok(ms.some((m) => m.kind === 'Ingress'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
