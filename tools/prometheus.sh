#!/usr/bin/env bash
# Unpacks Debian's prometheus binary (no package install, no service started) next to the Kubernetes binaries, for
# the e2e test that scrapes the operator; reuses it when present and prints its path.
#
#   tools/prometheus.sh        # ${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/prometheus/prometheus
set -euo pipefail

out="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/prometheus"
if [[ -x "$out/prometheus" ]]; then
  echo "$out/prometheus"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download needs the package lists; a fresh machine has none yet.
(cd "$work" && { apt-get download prometheus 2>/dev/null || { apt-get update -qq && apt-get download prometheus; }; }) >&2
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
mkdir -p "$out"
mv "$work/root/usr/bin/prometheus" "$out/prometheus"
echo "$out/prometheus"
