#!/usr/bin/env bash
# Installs the Debian packages dispatchd's run and tests need, when missing. As root it installs
# them with apt-get; otherwise it prints the command and fails. Usage: ensure-system.sh [run|test]
set -euo pipefail
need=(redis-server:redis-server git:git)
if [ "${1:-run}" = test ]; then
  need+=(docker-registry:docker-registry htpasswd:apache2-utils unzip:unzip chromium:chromium redis-sentinel:redis-sentinel)
fi
missing=()
for pair in "${need[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "Installing ${missing[*]} (Debian packages)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
else
  echo "Missing: ${missing[*]}. Install with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
