#!/usr/bin/env bash
# The one test command (README and .ci/run call it): type-check, then every test file under test/.
# Files are listed with find because Node 20's --test does not expand globs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
