#!/usr/bin/env bash
# make generate: regenerate docs/ from the provider's schema, templates/ and
# examples/. tfplugindocs would download Terraform to read the schema; here the
# locally built CLI produces it (`providers schema -json`) from a local mirror.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
platform="$(go env GOOS)_$(go env GOARCH)"
cli="${root}/bin/terraform"
[[ -x "${cli}" ]] || bash "${root}/tools/build-cli.sh" terraform
[[ -x "${root}/bin/tfplugindocs" ]] || (cd "${root}/tools" && go build -o "${root}/bin/tfplugindocs" github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs)

# tfplugindocs looks the schema up as registry.terraform.io/hashicorp/ceso.
mirror="${work}/mirror/registry.terraform.io/hashicorp/ceso/0.0.1/${platform}"
mkdir -p "${mirror}" "${work}/cfg"
go build -o "${mirror}/terraform-provider-ceso_v0.0.1" "${root}"
cat > "${work}/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "${work}/mirror"
    include = ["registry.terraform.io/hashicorp/ceso"]
  }
}
CFG
echo 'provider "ceso" {}' > "${work}/cfg/main.tf"
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc" CHECKPOINT_DISABLE=1
(cd "${work}/cfg" && "${cli}" init -input=false -no-color >/dev/null && "${cli}" providers schema -json) > "${work}/schema.json"

cd "${root}"
"${root}/bin/tfplugindocs" generate --provider-name ceso --rendered-provider-name "ceso (ESXi Commander)" \
  --providers-schema "${work}/schema.json"
"${root}/bin/tfplugindocs" validate --provider-name ceso --providers-schema "${work}/schema.json"
