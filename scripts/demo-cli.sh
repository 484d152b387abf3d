#!/usr/bin/env bash
# Picks the OpenTofu or Terraform CLI that `make demo` runs, and prints its
# path on stdout (what it found and why goes to stderr). In order:
#   1. CESO_CLI (or the older name CESO_DEMO_CLI): used as given, or refused;
#   2. `tofu`, then `terraform`, on PATH;
#   3. none found: OpenTofu only, built into bin/ by tools/build-cli.sh (about
#      8 minutes on a cold Go build cache; kept for the next run).
# A user who has a CLI installed should not wait for a build, and the demo
# needs only one CLI. A CLI older than the provider supports is refused with
# what to do, rather than failing later in the middle of `init`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# The provider serves plugin protocol 6 (terraform-plugin-framework), which
# Terraform supports from 1.0 on; every OpenTofu release (1.6.0 was the first)
# supports it.
min_terraform="1.0.0"
min_opentofu="1.6.0"

# The machine's TF_CLI_CONFIG_FILE may point at a missing file, which makes
# `version` print warnings; the version check needs no CLI configuration, and
# no network (CHECKPOINT_DISABLE: Terraform would ask whether it is outdated).
unset TF_CLI_CONFIG_FILE
export CHECKPOINT_DISABLE=1

# at_least VERSION MINIMUM: whether VERSION (x.y.z, any suffix ignored) >= MINIMUM.
at_least() {
  local IFS=.
  local -a v m
  read -r -a v <<<"${1%%[-+]*}"
  read -r -a m <<<"$2"
  local i
  for i in 0 1 2; do
    local a="${v[i]:-0}" b="${m[i]:-0}"
    ((10#${a} > 10#${b})) && return 0
    ((10#${a} < 10#${b})) && return 1
  done
  return 0
}

# check PATH: prints nothing and succeeds when the CLI at PATH is OpenTofu or
# Terraform at a supported version; otherwise says why on stderr and fails.
# Its first `version` line is "OpenTofu v1.12.6" or "Terraform v1.8.5".
check() {
  local cli="$1" first name version min
  first="$("${cli}" version 2>/dev/null | head -n 1)" || true
  case "${first}" in
    "OpenTofu v"*) name=OpenTofu min="${min_opentofu}" ;;
    "Terraform v"*) name=Terraform min="${min_terraform}" ;;
    *)
      echo "${cli}: not OpenTofu or Terraform (its \`version\` printed: ${first:-nothing})" >&2
      return 1
      ;;
  esac
  version="${first#* v}"
  if ! [[ "${version}" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || ! at_least "${version}" "${min}"; then
    echo "${cli}: ${name} ${version} is too old: the provider needs ${name} ${min} or later" >&2
    return 1
  fi
  echo "==> using ${name} ${version}: ${cli}" >&2
}

explicit="${CESO_CLI:-${CESO_DEMO_CLI:-}}"
if [[ -n "${explicit}" ]]; then
  what="CESO_CLI"
  [[ -n "${CESO_CLI:-}" ]] || what="CESO_DEMO_CLI"
  path="$(command -v "${explicit}" || true)"
  if [[ -z "${path}" ]]; then
    echo "${what}=${explicit}: no such command" >&2
    exit 1
  fi
  [[ "${path}" == /* ]] || path="${PWD}/${path}" # the demo runs it from another folder
  check "${path}" || {
    echo "Point ${what} at OpenTofu ${min_opentofu}+ or Terraform ${min_terraform}+, or unset it." >&2
    exit 1
  }
  echo "${path}"
  exit 0
fi

too_old=""
for name in tofu terraform; do
  path="$(command -v "${name}" || true)"
  [[ -n "${path}" ]] || continue
  if check "${path}"; then
    echo "${path}"
    exit 0
  fi
  too_old="${too_old} ${path}"
done
if [[ -n "${too_old}" ]]; then
  # Building behind the user's back would cost minutes and hide the problem.
  echo "No usable CLI on PATH (found:${too_old}). Upgrade it, set CESO_CLI to a newer one," >&2
  echo "or build OpenTofu into bin/ with \`bash tools/build-cli.sh tofu\` (about 8 minutes) and" >&2
  echo "set CESO_CLI=${root}/bin/tofu." >&2
  exit 1
fi

echo "==> no tofu or terraform on PATH and CESO_CLI unset: building OpenTofu into bin/" >&2
bash "${root}/tools/build-cli.sh" tofu >&2
check "${root}/bin/tofu"
echo "${root}/bin/tofu"
