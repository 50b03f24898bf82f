#!/usr/bin/env bash
# Builds Terraform's AWS provider 6.x from its Go module and lays it out as a
# filesystem mirror, so that the end-to-end tests (and you, with
# DOPPEL_TF_PLUGIN_DIR) can run Terraform against doppel with the provider
# users run today. It takes about an hour and 12 GiB of memory on two cores,
# so it is done once per machine, outside the repository:
#
#   scripts/provider6.sh              # into ${XDG_CACHE_HOME:-~/.cache}/doppel/tf-plugins-6
#   DOPPEL_TF6_PLUGIN_DIR=/opt/tf6 scripts/provider6.sh
#
# The module's tags past v1 are not valid Go module versions, so the proxy
# serves the provider's main branch as a pseudo-version; PROVIDER_REV pins
# the one built (its version/VERSION file names the release it follows).
set -euo pipefail

module=github.com/hashicorp/terraform-provider-aws
rev=${PROVIDER_REV:-v1.60.1-0.20260602190131-5f2286d6d836}
out=${DOPPEL_TF6_PLUGIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/doppel/tf-plugins-6}

src=$(go mod download -json "$module@$rev" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$src" ] || [ ! -f "$src/version/VERSION" ]; then
	echo "provider6.sh: could not download $module@$rev" >&2
	exit 1
fi
version=$(tr -d '[:space:]' <"$src/version/VERSION")
case "$version" in
6.*) ;;
*) echo "provider6.sh: $module@$rev is version $version, not 6.x" >&2; exit 1 ;;
esac
target=$(go env GOOS)_$(go env GOARCH)
dest="$out/registry.terraform.io/hashicorp/aws/$version/$target"
if [ -x "$dest/terraform-provider-aws_v${version}_x5" ]; then
	echo "provider6.sh: $dest already holds $version"
	exit 0
fi
mkdir -p "$dest"
echo "provider6.sh: building hashicorp/aws $version ($rev) into $dest; this takes about an hour" >&2
(cd "$src" && go build -trimpath -ldflags="-s -w -X $module/version.ProviderVersion=$version" \
	-o "$dest/terraform-provider-aws_v${version}_x5.tmp" .)
mv "$dest/terraform-provider-aws_v${version}_x5.tmp" "$dest/terraform-provider-aws_v${version}_x5"
echo "provider6.sh: done; the end-to-end tests now also run with $version"
