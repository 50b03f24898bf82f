# Sourced by scripts/test.sh: finds the real clients the end-to-end tests drive
# and exports where they are. A missing tool is an error, never a silent skip:
# the tests exist to prove doppel works with these exact clients.
#
#   DOPPEL_TERRAFORM        terraform binary
#   DOPPEL_TF_PLUGIN_DIR    a directory laid out for a Terraform filesystem_mirror
#                           (registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/...)
#   DOPPEL_AWS_CLI          aws (AWS CLI)
#   DOPPEL_CHROMIUM         chromium (the console's browser test), installed
#                           from Debian's packages when missing and we are root

tools_missing=()

find_tool() { # name, env var, candidates...
	local var=$2 cand
	shift 2
	if [ -n "${!var:-}" ] && [ -x "${!var}" ]; then return 0; fi
	for cand in "$@"; do
		if [ -x "$cand" ]; then export "$var=$cand"; return 0; fi
		if command -v "$cand" >/dev/null 2>&1; then export "$var=$(command -v "$cand")"; return 0; fi
	done
	return 1
}

find_tool terraform DOPPEL_TERRAFORM terraform /usr/local/bin/terraform || tools_missing+=("terraform (set DOPPEL_TERRAFORM)")
find_tool aws DOPPEL_AWS_CLI aws /usr/local/bin/aws || tools_missing+=("the AWS CLI 'aws' (set DOPPEL_AWS_CLI)")

# Chromium for the console's browser test (internal/console): Debian's
# package, installed once when missing (CI runs as root); quiet unless it fails.
if [ -z "${DOPPEL_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 &&
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "doppel tests: installing Debian's chromium for the console's browser test" >&2
	chromium_log=$(mktemp)
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >"$chromium_log" 2>&1; then
		cat "$chromium_log" >&2
	fi
	rm -f "$chromium_log"
fi
find_tool chromium DOPPEL_CHROMIUM chromium chromium-browser || tools_missing+=("chromium, Debian's package (set DOPPEL_CHROMIUM)")

if [ -z "${DOPPEL_TF_PLUGIN_DIR:-}" ]; then
	for d in /opt/tf-plugins "$HOME/.terraform.d/plugins" /usr/share/terraform/plugins; do
		if [ -d "$d/registry.terraform.io/hashicorp/aws" ]; then export DOPPEL_TF_PLUGIN_DIR=$d; break; fi
	done
fi
[ -n "${DOPPEL_TF_PLUGIN_DIR:-}" ] || tools_missing+=("a Terraform provider mirror holding registry.terraform.io/hashicorp/aws (set DOPPEL_TF_PLUGIN_DIR)")

if [ ${#tools_missing[@]} -gt 0 ]; then
	echo "doppel tests: missing tools:" >&2
	printf '  - %s\n' "${tools_missing[@]}" >&2
	echo "The end-to-end tests need them; set DOPPEL_SKIP_E2E=1 to run only the Go tests." >&2
	[ "${DOPPEL_SKIP_E2E:-}" = 1 ] || return 1
fi
