#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, each for a
# bounded time. The targets are the parsers of untrusted input: elevation
# grants, the policy file, backup manifests read from a datastore, cloud-init
# raw data, import ids, the host and thumbprint settings, audit files.
#   scripts/fuzz.sh              10 s per target
#   scripts/fuzz.sh 60           60 s per target (make chaos)
#   scripts/fuzz.sh 30 Manifest  only the targets whose name matches
# A failing input is written to the package's testdata/fuzz/<target>/ by
# go test; commit it with the fix, so it stays a regression test. Exits
# non-zero when any target failed, after running all of them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"
secs="${1:-10}"
filter="${2:-}"
[[ "${secs}" =~ ^[0-9]+$ ]] || { echo "usage: $0 [seconds] [name-regexp]" >&2; exit 2; }

# "dir name" for every func FuzzXxx(f *testing.F) in a _test.go file.
mapfile -t targets < <(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' internal cmd 2>/dev/null |
  sed -E 's|^([^:]*)/[^/:]*:func (Fuzz[A-Za-z0-9_]+)\(.*|\1 \2|' | sort -u)
[[ ${#targets[@]} -gt 0 ]] || { echo "no fuzz targets found" >&2; exit 1; }

failed=()
ran=0
for t in "${targets[@]}"; do
  dir="${t% *}" name="${t#* }"
  if [[ -n "${filter}" && ! "${name}" =~ ${filter} ]]; then
    continue
  fi
  ran=$((ran + 1))
  echo "== ${name} (./${dir}, ${secs}s)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" "./${dir}"; then
    failed+=("${name} (./${dir})")
  fi
done
echo "== ${ran} fuzz targets, ${#failed[@]} failed"
if [[ ${#failed[@]} -gt 0 ]]; then
  printf '   %s\n' "${failed[@]}"
  exit 1
fi
