#!/usr/bin/env bash
# make bench: Go benchmarks (round trips per operation and wall time, with 0
# and 20 ms per-call latency) in benchstat's format, a check that no round-trip
# count grew against the committed baseline, then the whole-process CLI bench.
#   scripts/bench.sh            run everything, compare with bench/baseline.txt
#   scripts/bench.sh -update    write the results as the new baseline
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"
mkdir -p bench
out="bench/current.txt"
pattern="${BENCH:-BenchmarkInventoryList|BenchmarkRefresh|BenchmarkCreateFromTemplate|BenchmarkCreateAmong|BenchmarkGuardedWrite|BenchmarkBackup}"
go test -run '^$' -bench "${pattern}" -benchtime="${BENCHTIME:-3x}" -timeout 60m \
  ./internal/esxi ./internal/vm ./internal/guard $(ls -d internal/backup 2>/dev/null | sed 's|^|./|') | tee "${out}"
if [[ "${1:-}" == "-update" ]]; then
  cp "${out}" bench/baseline.txt
  echo "baseline updated"
else
  bash scripts/bench-check.sh bench/baseline.txt "${out}"
fi
# Peak RSS of a 2 GiB image import and datastore file upload (fails over 100 MiB).
[[ "${SKIP_MEMORY_BENCH:-}" == 1 ]] || go test -run '^$' -bench BenchmarkUpload2GiBPeakRSS -benchtime=1x -timeout 20m ./internal/image
[[ "${SKIP_CLI_BENCH:-}" == 1 ]] || bash scripts/bench-cli.sh
