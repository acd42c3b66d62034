#!/usr/bin/env bash
# Runs a command (Rscript ..., R ...) with the repo's R library (.Rlib, from
# tools/setup_r.sh) and the repo's Python (.venv) for reticulate.
#   tools/run_r.sh Rscript demo/dcgan_generator.R
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export R_LIBS="$ROOT/.Rlib${R_LIBS:+:$R_LIBS}"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$ROOT/.venv/bin/python}"
exec "$@"
