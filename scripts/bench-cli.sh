#!/usr/bin/env bash
# Whole-process benchmark: against a simulated host with N VMs managed by
# ceso_vm and a per-call latency, time `plan -refresh-only` (ceso's refresh)
# and `plan -refresh=false` (the CLI's own floor) several times, and print
# the median of each, their ratio, and the provider's peak RSS.
# Usage: scripts/bench-cli.sh [N ...]   (default: 100 500; LATENCY_MS=20 RUNS=5)
#
# scripts/bench-cli.sh -guard: the cost of the guard's audit file and
# Pushgateway on creates. Each run applies CREATES (50) empty VMs at
# -parallelism=PARALLELISM (10) on a new simulated host with LATENCY_MS of latency
# and OTHERS (0) VMs already on it, once
# with audit_file and metrics { pushgateway_url } set (a real Pushgateway)
# and once without, RUNS times, the two interleaved (the order alternates)
# so the load of a shared machine falls on both alike. Prints every run with
# the load average before and after it, then per arm the median, minimum
# and maximum, and the overhead of the medians.
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

if [[ "${1:-}" == "-guard" ]]; then
  creates="${CREATES:-50}" others="${OTHERS:-0}" arms="${ARMS:-off on}" parallelism="${PARALLELISM:-10}"
  pg_port=$((20000 + RANDOM % 20000))
  prometheus-pushgateway --web.listen-address="127.0.0.1:${pg_port}" >"${work}/pushgateway.log" 2>&1 &
  pg_pid=$!
  trap 'kill "${pg_pid}" 2>/dev/null; cleanup' EXIT INT TERM
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:${pg_port}/-/ready" >/dev/null && break; sleep 0.1; done
  load() { cut -d' ' -f1 /proc/loadavg; }
  # one_run ARM: a new host, a new state, one timed apply; prints "ms load-before load-after"
  one_run() {
    local arm=$1 cfg="${work}/guard-$1" ms lb la
    rm -rf "${cfg}" && mkdir -p "${cfg}" && rm -f "${work}/sim.env"
    "${work}/cesosim" -model esx -vms "${others}" -templates 0 -latency "${latency}" -play-guest=false -env-file "${work}/sim.env" >"${work}/sim.log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 6000); do [[ -f "${work}/sim.env" ]] && break; sleep 0.1; done
    # shellcheck disable=SC1091
    source "${work}/sim.env"
    local guard=""
    if [[ "${arm}" == on || "${arm}" == audit ]]; then
      guard="audit_file = \"${cfg}/audit.log\""
    fi
    if [[ "${arm}" == on || "${arm}" == metrics ]]; then
      guard="${guard}
  metrics {
    pushgateway_url = \"http://127.0.0.1:${pg_port}\"${PUSH_INTERVAL:+
    push_interval   = \"${PUSH_INTERVAL}\"}
  }"
    fi
    cat > "${cfg}/main.tf" <<TF
terraform {
  required_providers {
    ceso = { source = "esxi-commander/ceso" }
  }
}
provider "ceso" {
  ${guard}
}
resource "ceso_vm" "vm" {
  count       = ${creates}
  name        = "guard-\${count.index}"
  power_state = "off"
}
TF
    (cd "${cfg}" && "${cli}" init -input=false >/dev/null)
    lb=$(load)
    ms=$(cd "${cfg}" && timed "${cli}" apply -auto-approve -input=false -lock=false -parallelism="${parallelism}")
    la=$(load)
    [[ "$(cd "${cfg}" && "${cli}" state list 2>/dev/null | wc -l)" -eq "${creates}" ]] || { echo "run ${arm}: the apply did not create ${creates} VMs" >&2; exit 1; }
    if [[ "${arm}" == on && ! -s "${cfg}/audit.log" ]]; then echo "run on: no audit file was written" >&2; exit 1; fi
    kill "${sim_pid}" && wait "${sim_pid}" 2>/dev/null || true
    sim_pid=""
    echo "${ms} ${lb} ${la}"
  }
  on=() off=() audit_runs=() metrics_runs=()
  printf "%-4s %-4s %-9s %-12s %s\n" "run" "arm" "apply ms" "load before" "load after"
  for i in $(seq 1 "${runs}"); do
    read -r -a order <<<"${arms}"
    if (( i % 2 == 0 )); then read -r -a order <<<"$(tr ' ' '\n' <<<"${arms}" | tac | tr '\n' ' ')"; fi
    for arm in "${order[@]}"; do
      out=$(one_run "${arm}") || exit 1
      read -r ms lb la <<<"${out}"
      printf "%-4s %-4s %-9s %-12s %s\n" "${i}" "${arm}" "${ms}" "${lb}" "${la}"
      case "${arm}" in
        on) on+=("${ms}") ;;
        off) off+=("${ms}") ;;
        *) eval "${arm}_runs+=(\"${ms}\")" ;;
      esac
    done
  done
  for arm in audit metrics; do
    eval "vals=(\"\${${arm}_runs[@]}\")"
    [[ ${#vals[@]} -gt 0 ]] && printf "%-7s median %s ms, min %s, max %s\n" "${arm}" "$(printf "%s\n" "${vals[@]}" | median)" \
      "$(printf "%s\n" "${vals[@]}" | sort -n | head -1)" "$(printf "%s\n" "${vals[@]}" | sort -n | tail -1)"
  done
  if [[ ${#on[@]} -eq 0 || ${#off[@]} -eq 0 ]]; then
    all=("${on[@]}" "${off[@]}")
    printf "median %s ms, min %s, max %s (%s runs, %s creates each among %s VMs, parallelism %s, %s ms latency)\n" \
      "$(printf "%s\n" "${all[@]}" | median)" "$(printf "%s\n" "${all[@]}" | sort -n | head -1)" "$(printf "%s\n" "${all[@]}" | sort -n | tail -1)" "${runs}" "${creates}" "${others}" "${parallelism}" "${latency}"
    exit 0
  fi
  mon=$(printf "%s\n" "${on[@]}" | median) moff=$(printf "%s\n" "${off[@]}" | median)
  for arm in off on; do
    if [[ "${arm}" == on ]]; then vals=("${on[@]}") m=${mon}; else vals=("${off[@]}") m=${moff}; fi
    lo=$(printf "%s\n" "${vals[@]}" | sort -n | head -1) hi=$(printf "%s\n" "${vals[@]}" | sort -n | tail -1)
    printf "%-4s median %s ms, min %s, max %s (%s runs, %s creates each, parallelism %s, %s ms latency)\n" "${arm}" "${m}" "${lo}" "${hi}" "${runs}" "${creates}" "${parallelism}" "${latency}"
  done
  awk "BEGIN {printf \"overhead of audit file + Pushgateway: %+.1f%% of the median apply\\n\", (${mon} - ${moff}) * 100 / ${moff}}"
  exit 0
fi

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
