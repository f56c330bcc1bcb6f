// Completes the compiled test tree (scripts/test.sh): tsc has written .build/<tree>/**/*.js; this
// links every other file of src/, workers/, test/ and bench/ beside them (the .ts sources,
// fixtures, golden files) and every other entry of the repository's root (docs/, helm/,
// package.json…), so a compiled test finds what it reads relative to its own location exactly as
// the .ts file does. A directory without .ts files is linked whole, so that readdir inside it sees
// plain files. Run from the repository's root.
//   node scripts/mirror-sources.mjs <outDir> <tree>...
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [out, ...trees] = process.argv.slice(2);
if (!out || trees.length === 0) {
  console.error('usage: mirror-sources.mjs <outDir> <tree>...');
  process.exit(2);
}

const hasTs = (dir) =>
  readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? hasTs(join(dir, e.name)) : e.name.endsWith('.ts'),
  );

function mirror(src, dst) {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    if (e.isDirectory() && hasTs(from)) mirror(from, to);
    else if (!existsSync(to)) symlinkSync(resolve(from), to); // else: tsc's output
  }
}

for (const tree of trees) if (existsSync(tree)) mirror(tree, join(out, tree));
for (const name of readdirSync('.'))
  if (!trees.includes(name) && resolve(name) !== resolve(out) && !existsSync(join(out, name)))
    symlinkSync(resolve(name), join(out, name));
