#!/usr/bin/env bash
# Builds etcd, kube-apiserver and kubectl from Go modules into the folder that
# io.fabric8:kube-api-test looks in, reuses them when present, and prints that folder.
#
#   tools/kube-apiserver.sh            # KUBE_VERSION=1.37.2 ETCD_VERSION=3.7.3
#   KUBE_API_TEST_DIR=/tmp/kat tools/kube-apiserver.sh
#
# Needs Go >= 1.26 and the Go module proxy. Nothing is written to the clone: the binaries go to
# ${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/<version>-linux-amd64, Go's own caches stay where Go keeps them.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.7.3}"
out="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64"

if [[ -x "$out/etcd" && -x "$out/kube-apiserver" && -x "$out/kubectl" ]]; then
  echo "$out"
  exit 0
fi

command -v go >/dev/null || { echo "kube-apiserver.sh: Go is needed (go 1.26 or newer)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A go.mod's toolchain line must not make Go download another toolchain (only the module proxy is reachable).
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
start=$SECONDS

# k8s.io/kubernetes replaces its staging modules (k8s.io/api, k8s.io/client-go, ...) by ./staging/...,
# which `go install pkg@version` refuses. A wrapper module that replaces each of them by its published
# v0.<minor>.<patch> builds the same code.
mkdir "$work/k8s"
(cd "$work" && go mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}") \
  | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' | xargs cat >"$work/kubernetes.mod"
{
  echo "module selfalign.local/kube-binaries"
  echo "go 1.26.0"
  echo "require k8s.io/kubernetes v${KUBE_VERSION}"
  awk '$2 == "v0.0.0" && $1 ~ /^k8s\.io\// {print $1}' "$work/kubernetes.mod" \
    | while read -r m; do echo "replace $m => $m v0.${KUBE_VERSION#*.}"; done
} >"$work/k8s/go.mod"
version_flags="-X k8s.io/component-base/version.gitVersion=v${KUBE_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} -X k8s.io/client-go/pkg/version.gitVersion=v${KUBE_VERSION} -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor}"
echo "kube-apiserver.sh: building kube-apiserver and kubectl v${KUBE_VERSION} (several minutes on first run)" >&2
(cd "$work/k8s" && nice -n 19 go build -trimpath -ldflags "-s -w ${version_flags}" -o "$work/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)

# etcd's server module replaces its sibling modules by ../api etc.; as a dependency those replaces are ignored.
mkdir "$work/etcd"
printf 'module selfalign.local/etcd\ngo 1.26.0\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$ETCD_VERSION" >"$work/etcd/go.mod"
echo "kube-apiserver.sh: building etcd v${ETCD_VERSION}" >&2
(cd "$work/etcd" && nice -n 19 go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3)

# Move in last and all at once: an interrupted build leaves no version folder (kube-api-test takes the newest one).
mkdir -p "$out"
mv "$work/bin/etcd" "$work/bin/kube-apiserver" "$work/bin/kubectl" "$out/"
echo "kube-apiserver.sh: built in $((SECONDS - start)) s" >&2
echo "$out"
