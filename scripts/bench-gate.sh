#!/usr/bin/env bash
# make bench-gate (part of make test): runs the round-trip benchmarks once each
# (-benchtime=1x) and fails when a fixed round-trip count grew against
# bench/baseline.txt (scripts/bench-check.sh). Only counts are compared: they
# are the same on every run, whereas times depend on the machine and its load.
# -short makes the benchmarks skip the variants that change no count (20 ms of
# latency, 1,000 VMs), so the gate takes seconds; make bench runs them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"
pattern='^Benchmark(InventoryList|Refresh|CreateFromTemplate|CreateAmong|Backup)$'
out="$(mktemp "${TMPDIR:-/tmp}/ceso-bench-gate.XXXXXX")"
trap 'rm -f "${out}"' EXIT
echo "==> round-trip gate: go test -short -bench '${pattern}' -benchtime=1x"
if ! go test -short -run '^$' -bench "${pattern}" -benchtime=1x -timeout 10m \
  ./internal/esxi ./internal/vm ./internal/backup >"${out}" 2>&1; then
  cat "${out}"
  echo "bench-gate: a benchmark failed (output above)" >&2
  exit 1
fi
bash scripts/bench-check.sh bench/baseline.txt "${out}"
