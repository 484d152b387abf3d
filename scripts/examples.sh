#!/usr/bin/env bash
# make examples: check that every example is formatted and valid against the
# provider built from this tree. For each folder under examples/ holding .tf
# files: copy it to a temporary folder, `init` from a local filesystem mirror
# of the fresh build (the layout of scripts/demo.sh), then `validate`.
#
# Examples written for the docs (examples/resources/*, examples/data-sources/*)
# declare no required_providers, as the Registry's docs expect; for those the
# check adds a terraform block with source "esxi-commander/ceso", as users
# would write it.
#
# CESO_EXAMPLES_CLI picks the CLI (default bin/tofu, built by `make tools`).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cli="${CESO_EXAMPLES_CLI:-${root}/bin/tofu}"
[[ -x "${cli}" ]] || bash "${root}/tools/build-cli.sh" "$(basename "${cli}")"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
platform="$(go env GOOS)_$(go env GOARCH)"
version="0.0.1"

echo "==> building the provider"
go build -o "${work}/terraform-provider-ceso" "${root}"
for registry in registry.opentofu.org registry.terraform.io; do
  dir="${work}/mirror/${registry}/esxi-commander/ceso/${version}/${platform}"
  mkdir -p "${dir}"
  cp "${work}/terraform-provider-ceso" "${dir}/terraform-provider-ceso_v${version}"
done
cat > "${work}/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "${work}/mirror"
    include = ["registry.opentofu.org/esxi-commander/ceso", "registry.terraform.io/esxi-commander/ceso"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# Examples read the user's key with file("~/.ssh/id_ed25519.pub"), which
# validate evaluates: give them a home with a throwaway public key.
mkdir -p "${work}/home/.ssh"
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMDSx01hAA179OhFWdxFqQohIxFQmONyYwsdpIyPfgVr examples@ceso.invalid' \
  >"${work}/home/.ssh/id_ed25519.pub"
export HOME="${work}/home"
unset TF_PLUGIN_CACHE_DIR
# One provider package, unpacked once, shared by every example.
mkdir -p "${work}/plugin-cache"
export TF_PLUGIN_CACHE_DIR="${work}/plugin-cache"

echo "==> ${cli##*/} fmt -check -recursive examples/"
if ! "${cli}" fmt -check -recursive -diff -no-color "${root}/examples"; then
  echo "examples/: files above are not formatted (run: ${cli} fmt -recursive examples/)"
  exit 1
fi

mapfile -t dirs < <(cd "${root}" && find examples -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u)
failed=()
for dir in "${dirs[@]}"; do
  case_dir="${work}/cases/${dir}"
  mkdir -p "${case_dir}"
  cp "${root}/${dir}"/*.tf "${case_dir}/"
  if ! grep -qs 'required_providers' "${case_dir}"/*.tf; then
    cat > "${case_dir}/zz_examples_check_providers.tf" <<'TF'
terraform {
  required_providers {
    ceso = {
      source = "esxi-commander/ceso"
    }
  }
}
TF
  fi
  if (cd "${case_dir}" && "${cli}" init -backend=false -input=false -no-color >"${case_dir}.init.log" 2>&1 &&
    "${cli}" validate -no-color >"${case_dir}.validate.log" 2>&1); then
    echo "ok    ${dir}"
  else
    echo "FAIL  ${dir}"
    cat "${case_dir}.init.log" "${case_dir}.validate.log" 2>/dev/null | sed 's/^/      /'
    failed+=("${dir}")
  fi
done

echo "${#dirs[@]} examples, $((${#dirs[@]} - ${#failed[@]})) valid, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
