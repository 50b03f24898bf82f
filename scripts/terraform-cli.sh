#!/usr/bin/env bash
# Runs terraform with a CLI configuration that installs hashicorp/aws from a
# local provider mirror, for machines without registry access (like the
# end-to-end tests'). Use it wherever the examples say `terraform`:
#
#   scripts/terraform-cli.sh -chdir=examples/cross-account-assume-role init
#
# DOPPEL_TERRAFORM names the terraform binary (default: the one on PATH);
# DOPPEL_TF_PLUGIN_DIR the mirror, laid out as
# registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/ (default: the first of
# /opt/tf-plugins, ~/.terraform.d/plugins, /usr/share/terraform/plugins that
# has it).
set -euo pipefail

tf=${DOPPEL_TERRAFORM:-$(command -v terraform || true)}
if [ -z "$tf" ] || [ ! -x "$tf" ]; then
	echo "terraform-cli.sh: terraform not found (set DOPPEL_TERRAFORM)" >&2
	exit 1
fi
mirror=${DOPPEL_TF_PLUGIN_DIR:-}
if [ -z "$mirror" ]; then
	for d in /opt/tf-plugins "$HOME/.terraform.d/plugins" /usr/share/terraform/plugins; do
		if [ -d "$d/registry.terraform.io/hashicorp/aws" ]; then mirror=$d; break; fi
	done
fi
if [ -z "$mirror" ] || [ ! -d "$mirror/registry.terraform.io/hashicorp/aws" ]; then
	echo "terraform-cli.sh: no provider mirror holding registry.terraform.io/hashicorp/aws (set DOPPEL_TF_PLUGIN_DIR)" >&2
	exit 1
fi

config=$(mktemp "${TMPDIR:-/tmp}/doppel-terraformrc.XXXXXX")
trap 'rm -f "$config"' EXIT
# The mirror's unpacked layout is symlinked into .terraform, not copied.
cat >"$config" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
CONFIG
TF_CLI_CONFIG_FILE=$config "$tf" "$@"
