#!/usr/bin/env bash
# The one test command (README and .ci/run call it through `npm test`): installs what is missing,
# type-checks src/, workers/, test/ and bench/ and compiles them into .build/ (one tsc run), checks
# formatting (prettier) and lint (eslint: unused code, lines over 200 characters), then runs every
# test file under node --test.
# The tests run compiled: through tsx each Node process (every test file, every worker or CLI it
# starts) spent about a second of CPU loading modules, a sixth of the suite on two cores. The .ts
# sources and fixtures are linked beside the compiled files (scripts/build-tests.sh), and
# test/helpers/node-entry.ts starts child processes the way the test itself runs; one file can
# still be run from source: node --import tsx --test test/x.test.ts.
# Files are listed with find because Node 20's --test does not expand globs itself.
# --test-timeout bounds every test and every file (a file that never exits, e.g. a handle left
# open, fails naming the file instead of hanging CI); TEST_TIMEOUT_MS overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh test
[ -d node_modules ] || npm ci --no-audit --no-fund
# The compile, the format check and the lint read the same sources and write nothing the others
# read: run side by side (each uses ~1.3 cores alone; together they take ~30 s instead of ~42 s).
bash scripts/build-tests.sh &
build=$!
npx prettier --check --log-level warn "src/**/*.ts" "workers/**/*.ts" "test/**/*.ts" "bench/**/*.ts" &
format=$!
npx eslint "src/**/*.ts" "workers/**/*.ts" "test/**/*.ts" "bench/**/*.ts" &
lint=$!
failed=()
wait "$build" || failed+=("the type-check/compile (scripts/build-tests.sh)")
wait "$format" || failed+=("the format check (npm run format fixes it)")
wait "$lint" || failed+=("the lint (npm run lint)")
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
mapfile -t files < <(find test -name '*.test.ts' | sort | sed -e 's/\.ts$/.js/' -e 's|^|.build/|')
exec node --enable-source-maps --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-480000}" "$@" "${files[@]}"
