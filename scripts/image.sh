#!/usr/bin/env bash
# Builds doppel's container image (deploy/Containerfile) with podman or
# docker: a static binary built here, on scratch, so nothing is pulled.
#
#   scripts/image.sh [TAG]            # default doppel:latest
#
# DOPPEL_CONTAINER_ENGINE picks the engine (default: podman, else docker).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-doppel:latest}
engine=${DOPPEL_CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
if [ -z "$engine" ]; then
	echo "image.sh: neither podman nor docker found (set DOPPEL_CONTAINER_ENGINE)" >&2
	exit 1
fi
ctx=$(mktemp -d "${TMPDIR:-/tmp}/doppel-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$ctx/doppel" ./cmd/doppel
mkdir "$ctx/data"
cp deploy/Containerfile "$ctx/Containerfile"
"$engine" build -t "$tag" -f "$ctx/Containerfile" "$ctx"
echo "image.sh: built $tag; run it with: $engine run --rm -p 127.0.0.1:4566:4566 -v doppel-data:/data $tag"
