#!/usr/bin/env bash
# make demo: pick the CLI (scripts/demo-cli.sh: CESO_CLI, else tofu or
# terraform on PATH, else build OpenTofu), build the provider, generate a small
# OVA, start a simulated ESXi host on 127.0.0.1 with no template, apply
# examples/quickstart against it with a dev override (the OVA becomes a
# template, a VM is made from it), print the outputs, then destroy and stop the
# simulator, whatever happens.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${root}/.demo"
cli="$(bash "${root}/scripts/demo-cli.sh")"
rm -rf "${work}"
mkdir -p "${work}/plugins" "${work}/tmp"
platform="$(go env GOOS)_$(go env GOARCH)"

echo "==> building the provider and the simulator"
go build -o "${work}/plugins/terraform-provider-ceso" "${root}"
go build -o "${work}/cesosim" "${root}/cmd/cesosim"
echo "==> generating a small cloud-image-shaped OVA (nothing is downloaded)"
read -r ova_sha256 ova < <(go run "${root}/cmd/cesoova" -o "${work}/ubuntu-cloudimg.ova")
export TF_VAR_ova="${ova}" TF_VAR_ova_sha256="${ova_sha256}"
# The dev override makes plan/apply use the fresh build; the local mirror lets
# `init` resolve the provider without a registry (this machine has none).
for registry in registry.opentofu.org registry.terraform.io; do
  dir="${work}/mirror/${registry}/esxi-commander/ceso/0.0.1/${platform}"
  mkdir -p "${dir}"
  cp "${work}/plugins/terraform-provider-ceso" "${dir}/terraform-provider-ceso_v0.0.1"
done

cat > "${work}/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.opentofu.org/esxi-commander/ceso" = "${work}/plugins"
    "registry.terraform.io/esxi-commander/ceso" = "${work}/plugins"
  }
  filesystem_mirror {
    path    = "${work}/mirror"
    include = ["registry.opentofu.org/esxi-commander/ceso", "registry.terraform.io/esxi-commander/ceso"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export TMPDIR="${work}/tmp" # the simulator keeps its datastore files here
# The demo destroys what it made; in the default standard mode a destroy
# needs an approver's grant (see the agent workflow guide).
export CESO_MODE=unrestricted CESO_AUDIT_FILE="${work}/audit.jsonl"

sim_pid=""
cleanup() {
  local rc=$?
  if [[ -f "${work}/sim.env" ]]; then
    echo "==> destroy"
    (cd "${work}/quickstart" && "${cli}" destroy -auto-approve -no-color >"${work}/destroy.log" 2>&1) ||
      { echo "destroy failed:"; cat "${work}/destroy.log"; rc=1; }
  fi
  if [[ -n "${sim_pid}" ]]; then
    kill "${sim_pid}" 2>/dev/null || true
    wait "${sim_pid}" 2>/dev/null || true
  fi
  echo "==> simulator stopped"
  exit "${rc}"
}
trap cleanup EXIT INT TERM

echo "==> starting the simulated ESXi host"
"${work}/cesosim" -model esx -vms 3 -templates 0 -env-file "${work}/sim.env.tmp" >"${work}/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [[ -f "${work}/sim.env.tmp" ]] && break
  kill -0 "${sim_pid}" 2>/dev/null || { cat "${work}/sim.log"; exit 1; }
  sleep 0.1
done
mv "${work}/sim.env.tmp" "${work}/sim.env"
# shellcheck disable=SC1091
source "${work}/sim.env"
cat "${work}/sim.log"

cp -r "${root}/examples/quickstart" "${work}/quickstart"
cd "${work}/quickstart"
echo "==> ${cli##*/} init"
"${cli}" init -no-color -input=false >"${work}/init.log" 2>&1 || { cat "${work}/init.log"; exit 1; }
echo "==> ${cli##*/} apply"
"${cli}" apply -auto-approve -no-color -input=false
echo "==> outputs"
"${cli}" output -no-color
echo "==> audit trail: $(wc -l < "${work}/audit.jsonl") records in ${work}/audit.jsonl"
"${work}/plugins/terraform-provider-ceso" audit verify "${work}/audit.jsonl"
