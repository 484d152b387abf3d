#!/usr/bin/env bash
# Compares the round-trip counts of a benchmark run with the committed
# baseline, and fails when one grew:
#   scripts/bench-check.sh BASELINE CURRENT      (both in benchstat's format)
# fixedtrips/* count every SOAP call but the long polls of task waits: they
# depend only on the code, so they are compared, and a growth fails.
# roundtrips/* also count those long polls (WaitForUpdatesEx), one or more per
# task wait depending on when the host ends the task, so they move with load
# and are printed for information only. Times are never compared here (use
# benchstat for them).
set -euo pipefail
base="$1" cur="$2"
extract() { # file -> "name metric value" per line, without the -GOMAXPROCS suffix
  awk '/^Benchmark/ { for (i = 3; i < NF; i++) if ($(i+1) ~ /^(fixed|round)trips\//) print $1, $(i+1), $i }' "$1" |
    sed -E 's/-[0-9]+ / /'
}
baseline="$(extract "${base}")"
grew=0 fell=0 compared=0
while read -r name metric value; do
  old=$(awk -v n="${name}" -v m="${metric}" '$1 == n && $2 == m {print $3; exit}' <<<"${baseline}")
  if [[ "${metric}" == roundtrips/* ]]; then
    echo "info:  ${name} ${metric} ${value} (baseline ${old:-none}; includes long polls, not compared)"
  elif [[ -z "${old}" ]]; then
    echo "new:   ${name} ${metric} ${value} (not in ${base})"
  elif awk "BEGIN {exit !(${value} > ${old} + 0.001)}"; then
    echo "GREW:  ${name} ${metric} ${old} -> ${value}"
    grew=1 compared=$((compared + 1))
  elif awk "BEGIN {exit !(${value} < ${old} - 0.001)}"; then
    echo "fell:  ${name} ${metric} ${old} -> ${value}"
    fell=1 compared=$((compared + 1))
  else
    echo "ok:    ${name} ${metric} ${value}"
    compared=$((compared + 1))
  fi
done < <(extract "${cur}")

if [[ ${compared} -eq 0 ]]; then
  # A gate that compares nothing would pass every regression.
  echo "bench-check: no fixedtrips count of ${cur} has a baseline in ${base}; refresh it: make bench-baseline" >&2
  exit 1
fi
if [[ ${grew} -ne 0 ]]; then
  cat >&2 <<MSG

bench-check: FAILED: the fixed round-trip counts marked GREW above are higher than
in ${base}: the change makes more SOAP calls per operation than before.
- Unintended: find the extra calls (esxi.CallCounter's String() lists them by
  method; compare with the baseline's commit) and remove them.
- Intended (a new safety check, a read that must be fresh): refresh the baseline
  deliberately and commit it with the change, saying why the count grew:
      make bench-baseline && git diff bench/baseline.txt
MSG
  exit 1
fi
if [[ ${fell} -ne 0 ]]; then
  echo "bench-check: counts fell; lock the gain in with make bench-baseline"
fi
echo "bench-check: no fixed round-trip count grew (${compared} compared)"
