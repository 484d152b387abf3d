#!/usr/bin/env bash
# Fails when a benchmark's round-trip count (roundtrips/op, roundtrips/vm,
# roundtrips/backup) is higher than in the baseline. Counts are deterministic;
# times are not, so times are never compared here (use benchstat for them).
set -euo pipefail
base="$1" cur="$2"
extract() { # name metric value, one per line
  awk '/^Benchmark/ { for (i = 3; i < NF; i++) if ($(i+1) ~ /^roundtrips\//) print $1, $(i+1), $i }' "$1" |
    sed -E 's/-[0-9]+ / /'
}
fail=0
while read -r name metric value; do
  old=$(extract "${base}" | awk -v n="${name}" -v m="${metric}" '$1 == n && $2 == m {print $3; exit}')
  if [[ -z "${old}" ]]; then
    echo "new:   ${name} ${metric} ${value}"
  elif awk "BEGIN {exit !(${value} > ${old} + 0.001)}"; then
    echo "GREW:  ${name} ${metric} ${old} -> ${value}"
    fail=1
  else
    echo "ok:    ${name} ${metric} ${value} (baseline ${old})"
  fi
done < <(extract "${cur}")
exit "${fail}"
