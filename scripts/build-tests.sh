#!/usr/bin/env bash
# Type-checks src/, workers/, test/ and bench/ and compiles them into .build/ (tsc -p
# tsconfig.test.json), then links the .ts sources, fixtures and the repository's other files
# beside the output (scripts/mirror-sources.mjs). `npm test` and `npm run bench` run from there:
# what they run is plain JavaScript as `npm run build` ships it, without tsx's module hooks.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .build
npx tsc -p tsconfig.test.json
node scripts/mirror-sources.mjs .build src workers test bench
