#!/usr/bin/env bash
# Builds the pinned Terraform and OpenTofu CLIs from their Go modules into bin/.
# The CLIs cannot be downloaded here, and their dependency graphs conflict with each
# other and with the provider's, so each is built inside its own module folder from the
# module cache, with its own go.sum. A binary already built at the pinned version is kept.
set -euo pipefail

OPENTOFU_VERSION="1.12.6"
TERRAFORM_VERSION="1.8.5"

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${root}/bin"
mkdir -p "${bin}"
unset TF_CLI_CONFIG_FILE

module_dir() { # module@version -> its folder in the module cache
  (cd "${root}/tools" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

build() { # name module version package ldflags
  local name="$1" module="$2" version="$3" pkg="$4" ldflags="$5"
  local out="${bin}/${name}" stamp="${bin}/.${name}.version"
  if [[ -x "${out}" && -f "${stamp}" && "$(cat "${stamp}")" == "${version}" ]]; then
    echo "${name} ${version}: already built"
    return
  fi
  local dir
  dir="$(module_dir "${module}@v${version}")"
  [[ -n "${dir}" ]] || { echo "cannot download ${module}@v${version}" >&2; exit 1; }
  echo "building ${name} ${version} (a few minutes on a cold cache)"
  (cd "${dir}" && CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags}" -o "${out}" "${pkg}")
  echo "${version}" > "${stamp}"
}

want="${1:-all}"
if [[ "${want}" == all || "${want}" == tofu ]]; then
  build tofu github.com/opentofu/opentofu "${OPENTOFU_VERSION}" ./cmd/tofu \
    "-s -w -X github.com/opentofu/opentofu/version.dev=no"
fi
if [[ "${want}" == all || "${want}" == terraform ]]; then
  build terraform github.com/hashicorp/terraform "${TERRAFORM_VERSION}" . \
    "-s -w -X github.com/hashicorp/terraform/version.dev=no"
fi
