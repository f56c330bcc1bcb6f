#!/usr/bin/env bash
# Fetches a real static helm binary for chart tests and prints its path on stdout
# (see scripts/fetch-k8s-tool.sh, which also fetches kubectl for the Kustomize tests).
# Usage: scripts/fetch-helm.sh  -> prints .cache/helm/helm (fetching it if missing)
exec bash "$(dirname "$0")/fetch-k8s-tool.sh" helm
