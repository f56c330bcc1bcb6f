#!/usr/bin/env bash
# Quick start on a fresh machine: installs what is missing (Debian's redis-server and git when run
# as root), builds, and starts dispatchd on its embedded default: an embedded redis-server and,
# with no DISPATCHD_CONFIG, the offline demo. dispatchd itself never installs anything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh run
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node dist/src/cli/main.js start
