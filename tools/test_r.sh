#!/usr/bin/env bash
# Tests the R package: testthat on the source (every golden case, bad input,
# signatures; no test may skip), then `R CMD build` and `R CMD check --no-manual`
# offline, which must end with 0 errors and 0 warnings. The golden files
# (tests/goldens) are not in the built package, so R CMD check skips the golden
# tests: each golden case runs once here and once in pytest (tests/test_r_rpy2.py).
# Uses .Rlib (tools/setup_r.sh) and .venv's Python. Exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export R_LIBS="$ROOT/.Rlib${R_LIBS:+:$R_LIBS}"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$ROOT/.venv/bin/python}"
# offline: no CRAN, no URL checks
export _R_CHECK_CRAN_INCOMING_=false _R_CHECK_CRAN_INCOMING_REMOTE_=false
export _R_CHECK_FORCE_SUGGESTS_=true

bash "$ROOT/tools/setup_r.sh"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== testthat"
cat > "$work/testthat.R" <<'EOF'
root <- commandArgs(trailingOnly = TRUE)[[1]]
results <- as.data.frame(testthat::test_local(root, reporter = "summary", stop_on_failure = FALSE,
                                                  load_package = "installed"))
failed <- sum(results$failed) + sum(results$error)
skipped <- sum(results$skipped)
passed <- sum(results$nb) - sum(results$failed)
cat(sprintf("\ntestthat: %d passed, %d failed, %d skipped\n", passed, failed, skipped))
if (failed > 0 || skipped > 0) quit(status = 1)
EOF
Rscript --vanilla "$work/testthat.R" "$ROOT"

echo "== R CMD build"
# (from a staged copy of the package's files, with the Python sources under inst/python:
# tools/build_r_package.sh says why)
tarball="$(bash "$ROOT/tools/build_r_package.sh" "$work" --no-manual | tail -n 1)"
if tar -tzf "$tarball" | grep '^cntkr/tests/goldens/' >/dev/null; then
  echo "the built package holds tests/goldens: R CMD check would run the golden cases again" >&2
  exit 1
fi

echo "== R CMD check --no-manual"
status=0
(cd "$work" && R CMD check --no-manual "$tarball") || status=$?
log="$work/cntkr.Rcheck/00check.log"
if [ -f "$work/cntkr.Rcheck/tests/testthat.Rout.fail" ]; then
  tail -n 60 "$work/cntkr.Rcheck/tests/testthat.Rout.fail"
fi
summary="$(grep -E '^Status:' "$log" || true)"
echo "R CMD check: ${summary:-no status}"
if [ "$status" -ne 0 ] || ! grep -qE '^Status: (OK|[0-9]+ NOTEs?)$' "$log"; then
  echo "R CMD check failed (errors or warnings)" >&2
  exit 1
fi
echo "R tests: OK"
