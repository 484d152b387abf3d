#!/usr/bin/env bash
# make verify: every check of the repository in one command, then a summary.
#
#   format    gofmt -l on every Go file
#   vet       go vet ./...
#   lint      golangci-lint (.golangci.yml), built into bin/ once
#   docs      make docs-check: docs/ regenerated, no drift from the committed docs
#   examples  scripts/examples.sh: formatted, and valid against the fresh build
#   alerts    promtool check/test of examples/monitoring (skipped without promtool)
#   release   goreleaser check (skipped until `make release-check` built bin/goreleaser)
#   gate      scripts/bench-gate.sh: no fixed SOAP round-trip count grew against bench/baseline.txt
#   test      unit and acceptance tests, once, with OpenTofu (TF_ACC=1) and coverage
#
# Every step runs even when an earlier one failed; the summary table shows
# PASS/FAIL/SKIP per step and the coverage of each internal package. Exits
# non-zero when a step failed. Logs stay in the folder printed at the end.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"
unset TF_CLI_CONFIG_FILE
logs="$(mktemp -d "${TMPDIR:-/tmp}/ceso-verify.XXXXXX")"
bin="${root}/bin"
GOTEST_FLAGS="${GOTEST_FLAGS:--timeout 30m}"
# Domain packages: behaviour without Terraform types, held to 80% coverage.
domain_re='/internal/(policy|audit|metrics|guard|cloudinit|esxi|vm|backup)$'
coverage_target=80

steps=()
results=()
times=()

# run NAME COMMAND...: runs a step, logs its output, records PASS or FAIL.
run() {
  local name="$1"
  shift
  local log="${logs}/${name}.log" start rc
  start=$(date +%s)
  printf '==> %-9s %s\n' "${name}" "$*"
  "$@" >"${log}" 2>&1
  rc=$?
  steps+=("${name}")
  times+=("$(($(date +%s) - start))s")
  if [[ ${rc} -eq 0 ]]; then
    results+=("PASS")
  else
    results+=("FAIL")
    echo "    ${name} failed (exit ${rc}); last lines of ${log}:"
    tail -n 40 "${log}" | sed 's/^/    | /'
  fi
}

skip() { # NAME REASON
  printf '==> %-9s skipped: %s\n' "$1" "$2"
  steps+=("$1")
  results+=("SKIP")
  times+=("-")
}

check_format() {
  local files unformatted
  mapfile -t files < <(git ls-files -co --exclude-standard '*.go')
  unformatted="$(gofmt -l "${files[@]}")"
  [[ -z "${unformatted}" ]] || { echo "${unformatted}"; echo "gofmt: files above need formatting (make fmt)"; return 1; }
}

check_alerts() {
  (cd examples/monitoring && promtool check rules prometheus-alerts.yml && promtool test rules prometheus-alerts.test.yml)
}

run_tests() {
  make --no-print-directory tools pushgateway promtool cloud-init || return 1
  # shellcheck disable=SC2086
  TF_ACC=1 TF_ACC_TERRAFORM_PATH="${bin}/tofu" TF_ACC_PROVIDER_HOST=registry.opentofu.org \
    go test ${GOTEST_FLAGS} -coverprofile="${logs}/coverage.out" ./...
}

run format check_format
run vet go vet ./...
run lint make --no-print-directory lint
run docs make --no-print-directory docs-check
run examples bash scripts/examples.sh
if command -v promtool >/dev/null; then
  run alerts check_alerts
else
  skip alerts "promtool missing (apt-get install prometheus)"
fi
if [[ -x "${bin}/goreleaser" ]]; then
  run release "${bin}/goreleaser" check
else
  skip release "bin/goreleaser not built (make release-check builds it)"
fi
run gate bash scripts/bench-gate.sh
run test run_tests

echo
echo "== summary"
printf '%-10s %-6s %s\n' step result time
failed=0
for i in "${!steps[@]}"; do
  printf '%-10s %-6s %s\n' "${steps[$i]}" "${results[$i]}" "${times[$i]}"
  [[ "${results[$i]}" == FAIL ]] && failed=1
done

echo
echo "== coverage of internal packages (domain packages target ${coverage_target}%)"
printf '%-48s %8s  %s\n' package coverage note
# go test prints "ok  <pkg> <time> coverage: N% of statements" per package,
# "<pkg> coverage: N% of statements" for one without test files, and for a
# failed package "coverage: N% of statements" on a line of its own before
# "FAIL <pkg> <time>".
awk -v re="${domain_re}" -v target="${coverage_target}" '
  /^coverage: / { pending = $2; next }
  /^(ok|FAIL|[[:space:]])?[[:space:]]*github\.com\/[^[:space:]]+\/internal\// {
    pkg = ""; cov = "-"; status = $1
    for (i = 1; i <= NF; i++) {
      if ($i ~ /\/internal\//) pkg = $i
      if ($i == "coverage:") cov = ($(i + 1) == "[no" ? "n/a" : $(i + 1))
    }
    if (status == "FAIL" && cov == "-" && pending != "") cov = pending
    pending = ""
    if (pkg == "" || seen[pkg]++) next
    note = ""
    if (status == "FAIL") note = "tests failed"
    if (pkg ~ re) {
      n = cov; sub(/%/, "", n)
      if (cov == "-" || n + 0 < target) note = note (note == "" ? "" : "; ") "domain, below target"
      else note = note (note == "" ? "" : "; ") "domain"
    }
    sub(/^github\.com\/esxi-commander\/terraform-provider-ceso\//, "", pkg)
    printf "%-48s %8s  %s\n", pkg, cov, note
  }' "${logs}/test.log" 2>/dev/null | sort
if [[ -f "${logs}/coverage.out" ]]; then
  printf '%-48s %8s\n' "total (all packages)" "$(go tool cover -func="${logs}/coverage.out" | awk '/^total:/ {print $NF}')"
fi

echo
echo "logs: ${logs}"
if [[ ${failed} -ne 0 ]]; then
  echo "verify: FAILED"
  exit 1
fi
echo "verify: all steps passed"
