#!/usr/bin/env bash
# The one test command (README and .ci/run call it through `npm test`): installs what is missing,
# type-checks src/, workers/ and test/, checks formatting (prettier) and lint (eslint: unused code,
# lines over 200 characters), then runs every test file under test/ with node --test.
# Files are listed with find because Node 20's --test does not expand globs itself.
# --test-timeout bounds every test and every file (a file that never exits, e.g. a handle left
# open, fails naming the file instead of hanging CI); TEST_TIMEOUT_MS overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh test
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.test.json
npx prettier --check --log-level warn "src/**/*.ts" "workers/**/*.ts" "test/**/*.ts" "bench/**/*.ts"
npx eslint "src/**/*.ts" "workers/**/*.ts" "test/**/*.ts" "bench/**/*.ts"
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-480000}" "$@" "${files[@]}"
