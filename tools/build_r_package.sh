#!/usr/bin/env bash
# Builds the R source tarball, cntkr_<version>.tar.gz, into OUTDIR:
#   bash tools/build_r_package.sh OUTDIR [R CMD build options, e.g. --no-build-vignettes]
# It prints the tarball's path as its last line.
#
# The tarball carries the Python package (install_cntkr() installs it from there): inst/python
# holds symbolic links to the one copy at the repo root (cntkr_py/, pyproject.toml, setup.py),
# which R CMD build follows, so the tarball holds plain files and git one copy. A plain
# `R CMD build .` does the same; this script first stages the package's files - what git tracks
# plus untracked files it does not ignore, the links kept as links - into a temporary folder,
# because R CMD build copies the whole folder it is given before applying .Rbuildignore, and the
# checkout holds .venv (a GB of torch) and .git.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [R CMD build options]" >&2
  exit 2
fi
mkdir -p "$1"
out="$(cd "$1" && pwd)"
shift

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/cntkr"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # (--ignore-failed-read: a tracked file deleted in the work tree is left out)
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
     tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$stage/cntkr"
else
  tar -C "$ROOT" --exclude=./.venv --exclude=./.Rlib --exclude=./.git -cf - . | tar -xf - -C "$stage/cntkr"
fi
for link in cntkr_py pyproject.toml setup.py; do
  if [ ! -e "$stage/cntkr/inst/python/$link" ]; then
    echo "build_r_package: inst/python/$link is missing or a broken link" >&2
    exit 1
  fi
done

# The vignettes' data are not package files (data/ is ignored by git): point them at the checkout's.
if [ -z "${CNTKR_FASHION_MNIST_CTF:-}" ] && [ -d "$ROOT/data/fashion-mnist" ]; then
  export CNTKR_FASHION_MNIST_CTF="$ROOT/data/fashion-mnist"
fi
(cd "$out" && R CMD build "$@" "$stage/cntkr" >&2)
version="$(sed -n 's/^Version: *//p' "$ROOT/DESCRIPTION")"
tarball="$out/cntkr_$version.tar.gz"
tar -tzf "$tarball" | grep '^cntkr/inst/python/cntkr_py/__init__.py$' >/dev/null || {
  echo "build_r_package: $tarball carries no inst/python/cntkr_py" >&2
  exit 1
}
echo "$tarball"
