#!/usr/bin/env bash
# The whole test suite: formatting, vet, and every Go test, including the
# end-to-end tests that drive the real AWS CLI and Terraform against doppel.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/tools.sh

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -count=1 -timeout 40m "$@" ./...
