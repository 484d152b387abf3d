#!/usr/bin/env bash
# Whole-process benchmark: against a simulated host with N VMs managed by
# ceso_vm and a per-call latency, time `plan -refresh-only` (ceso's refresh)
# and `plan -refresh=false` (the CLI's own floor) several times, and print
# the median of each, their ratio, and the provider's peak RSS.
# Usage: scripts/bench-cli.sh [N ...]   (default: 100 500; LATENCY_MS=20 RUNS=5)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cli="${CESO_BENCH_CLI:-${root}/bin/tofu}"
latency="${LATENCY_MS:-20}"
runs="${RUNS:-5}"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100 500)
work="$(mktemp -d)"
platform="$(go env GOOS)_$(go env GOARCH)"
sim_pid=""
cleanup() {
  [[ -n "${sim_pid}" ]] && kill "${sim_pid}" 2>/dev/null && wait "${sim_pid}" 2>/dev/null
  rm -rf "${work}"
}
trap cleanup EXIT INT TERM

go build -o "${work}/plugins/terraform-provider-ceso" "${root}"
go build -o "${work}/cesosim" "${root}/cmd/cesosim"
for registry in registry.opentofu.org registry.terraform.io; do
  dir="${work}/mirror/${registry}/esxi-commander/ceso/0.0.1/${platform}"
  mkdir -p "${dir}" && cp "${work}/plugins/terraform-provider-ceso" "${dir}/terraform-provider-ceso_v0.0.1"
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
export TF_CLI_CONFIG_FILE="${work}/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TMPDIR="${work}"

# seconds of one command, to the millisecond
timed() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# peak RSS (kB) of any provider process while "$@" runs
peak_rss() {
  "$@" >/dev/null 2>&1 &
  local pid=$! max=0 v
  while kill -0 "${pid}" 2>/dev/null; do
    for p in $(pgrep -f "plugins/terraform-provider-ceso" || true); do
      v=$(awk '/VmHWM/ {print $2}' "/proc/${p}/status" 2>/dev/null || echo 0)
      [[ -n "${v}" && "${v}" -gt "${max}" ]] && max=${v}
    done
    sleep 0.05
  done
  wait "${pid}"
  echo "${max}"
}

printf "%-6s %-8s %-22s %-22s %-7s %s\n" "N" "latency" "plan -refresh-only ms" "plan -refresh=false ms" "ratio" "provider peak RSS"
for n in "${sizes[@]}"; do
  rm -f "${work}/sim.env"
  "${work}/cesosim" -model esx -vms "${n}" -templates 0 -latency "${latency}" -play-guest=false -env-file "${work}/sim.env" >"${work}/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 1 600); do [[ -f "${work}/sim.env" ]] && break; sleep 0.1; done
  # shellcheck disable=SC1091
  source "${work}/sim.env"
  cfg="${work}/n${n}"
  mkdir -p "${cfg}"
  cat > "${cfg}/main.tf" <<TF
terraform {
  required_providers {
    ceso = { source = "esxi-commander/ceso" }
  }
}
provider "ceso" {}
resource "ceso_vm" "vm" {
  count       = ${n}
  name        = "ha-host_VM\${count.index}"
  power_state = "off"
}
import {
  for_each = toset([for i in range(${n}) : tostring(i)])
  to       = ceso_vm.vm[tonumber(each.key)]
  id       = "ha-host_VM\${each.key}"
}
TF
  (cd "${cfg}" && "${cli}" init -input=false >/dev/null && "${cli}" apply -auto-approve -input=false >"${work}/import.log" 2>&1) ||
    { cat "${work}/import.log"; exit 1; }
  # The VMs are in state now; drop the import block so the timed plans are
  # plain plans of N managed VMs.
  sed -i '/^import {/,/^}/d' "${cfg}/main.tf"
  refresh=() floor=()
  for _ in $(seq 1 "${runs}"); do
    refresh+=("$(cd "${cfg}" && timed "${cli}" plan -refresh-only -input=false -lock=false)")
    floor+=("$(cd "${cfg}" && timed "${cli}" plan -refresh=false -input=false -lock=false)")
  done
  mr=$(printf "%s\n" "${refresh[@]}" | median)
  mf=$(printf "%s\n" "${floor[@]}" | median)
  rss=$(cd "${cfg}" && peak_rss "${cli}" plan -refresh-only -input=false -lock=false)
  printf "%-6s %-8s %-22s %-22s %-7s %s\n" "${n}" "${latency}ms" "${mr}" "${mf}" "$(awk "BEGIN {printf \"%.2f\", ${mr}/${mf}}")" "$((rss / 1024)) MiB"
  kill "${sim_pid}" && wait "${sim_pid}" 2>/dev/null || true
  sim_pid=""
done
