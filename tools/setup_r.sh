#!/usr/bin/env bash
# Sets up everything the R side of cntkr needs, on a fresh Debian 12
# (bookworm) machine as root, and in seconds when it is already there:
#   1. R and the R packages Debian ships (apt);
#   2. reticulate >= 1.41 built from Debian trixie's source package into the
#      repo-local library .Rlib/ (bookworm's 1.28 rejects NumPy 2 and
#      segfaults under rpy2);
#   3. rpy2 < 3.6 (3.6 needs R >= 4.5) into .venv, for tests/test_r_rpy2.py;
#   4. the cntkr R package itself into .Rlib/ (reinstalled when its sources
#      change).
# Assumes .venv exists (the Makefile creates it first). Afterwards run R with
#   R_LIBS=$PWD/.Rlib RETICULATE_PYTHON=$PWD/.venv/bin/python
# (tools/run_r.sh does that).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RLIB="$ROOT/.Rlib"
PY="$ROOT/.venv/bin/python"
RETICULATE_MIN="1.41"

log() { echo "setup_r: $*"; }

if [ ! -x "$PY" ]; then
  echo "setup_r: $PY not found; create .venv first (make does)" >&2
  exit 1
fi

# ---------------------------------------------------------------- 1. Debian packages
DEB_PACKAGES=(
  r-base-core r-base-dev
  # reticulate's build and run dependencies
  r-cran-matrix r-cran-rcpp r-cran-rcpptoml r-cran-here r-cran-jsonlite
  r-cran-png r-cran-rappdirs r-cran-rlang r-cran-withr r-cran-magrittr
  # tests, vignettes (the tutorials plot with ggplot2; visualize_network renders with graphviz's dot)
  r-cran-testthat r-cran-knitr r-cran-markdown r-cran-ggplot2 graphviz
  # the documentation site (tools/build_sites.sh)
  r-cran-pkgdown r-cran-rmarkdown
  # to unpack trixie's source tarball
  xz-utils
  # Fashion-MNIST (IDX files in /usr/share/datasets/fashion-mnist), converted to CTF by
  # tools/fashion_mnist_to_ctf.py for the reader's tests, bench/reader.py and the mnist example
  dataset-fashion-mnist
)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
apt_updated=0
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt_updated=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------- 2. reticulate >= 1.41
mkdir -p "$RLIB"
reticulate_ok() {
  R_LIBS="$RLIB" Rscript --vanilla -e \
    "quit(status = !isTRUE(tryCatch(packageVersion('reticulate', lib.loc = '$RLIB') >= '$RETICULATE_MIN', error = function(e) FALSE)))" \
    >/dev/null 2>&1
}
if ! reticulate_ok; then
  log "building reticulate >= $RETICULATE_MIN from Debian trixie's r-cran-reticulate source into .Rlib"
  SRC_LIST=/etc/apt/sources.list.d/cntkr-trixie-src.sources
  if [ ! -f "$SRC_LIST" ]; then
    # deb-src only: binaries keep coming from bookworm.
    cat > "$SRC_LIST" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_updated=0
  fi
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Only the upstream (CRAN) tarball is needed; a missing .dsc or Debian
  # diff on the mirror does not matter, so apt's exit status is not trusted.
  (cd "$work" && apt-get source --download-only -qq r-cran-reticulate >/dev/null 2>&1) || true
  orig="$(ls "$work"/r-cran-reticulate_*.orig.tar.* 2>/dev/null | head -n 1 || true)"
  if [ -z "$orig" ]; then
    echo "setup_r: could not download r-cran-reticulate's source from Debian trixie" >&2
    exit 1
  fi
  tar -xf "$orig" -C "$work"
  R CMD INSTALL --no-test-load -l "$RLIB" "$work/reticulate" >"$work/install.log" 2>&1 || {
    tail -n 40 "$work/install.log" >&2
    exit 1
  }
  reticulate_ok || { echo "setup_r: reticulate in .Rlib is still older than $RETICULATE_MIN" >&2; exit 1; }
fi

# ---------------------------------------------------------------- 3. rpy2 < 3.6
if ! "$PY" -c "import rpy2, sys; sys.exit(not rpy2.__version__.startswith('3.5'))" >/dev/null 2>&1; then
  log "installing rpy2<3.6 into .venv"
  "$PY" -m pip install -q "rpy2>=3.5,<3.6"
fi

# ---------------------------------------------------------------- 4. the cntkr R package
src_hash="$(cd "$ROOT" && cat DESCRIPTION NAMESPACE R/*.R man/*.Rd src/*.c src/Makevars | sha256sum | cut -d' ' -f1)"
stamp="$RLIB/cntkr/.source-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$src_hash" ]; then
  log "installing the cntkr R package into .Rlib"
  R_LIBS="$RLIB" R CMD INSTALL --no-test-load --no-multiarch -l "$RLIB" "$ROOT" >/tmp/cntkr-r-install.log 2>&1 || {
    tail -n 40 /tmp/cntkr-r-install.log >&2
    exit 1
  }
  echo "$src_hash" > "$stamp"
fi
# ---------------------------------------------------------------- 5. any R on this machine
# So that a plain `Rscript -e 'library(cntkr)'` works too (not only through tools/run_r.sh):
# link reticulate and cntkr from .Rlib into the first site library when it is writable, and
# make .venv the "r-cntkr" virtual environment that cntkr looks for when RETICULATE_PYTHON is
# unset (the one install_cntkr() would create).
site="$(env -u R_LIBS -u R_LIBS_USER Rscript --vanilla -e 'cat(.libPaths()[[1]])')"
if [ -w "$site" ] && [ "$site" != "$RLIB" ]; then
  for pkg in reticulate cntkr; do
    if [ "$(readlink "$site/$pkg" 2>/dev/null)" != "$RLIB/$pkg" ]; then
      if [ -e "$site/$pkg" ] && [ ! -L "$site/$pkg" ]; then
        log "leaving $site/$pkg alone (installed by something else)"
      else
        ln -sfn "$RLIB/$pkg" "$site/$pkg"
      fi
    fi
  done
fi
venvs="${WORKON_HOME:-$HOME/.virtualenvs}"
if [ ! -e "$venvs/r-cntkr" ] || [ -L "$venvs/r-cntkr" ]; then
  mkdir -p "$venvs"
  [ "$(readlink "$venvs/r-cntkr" 2>/dev/null)" = "$ROOT/.venv" ] || ln -sfn "$ROOT/.venv" "$venvs/r-cntkr"
fi

log "R $(Rscript --vanilla -e 'cat(format(getRversion()))'), reticulate $(R_LIBS="$RLIB" Rscript --vanilla -e "cat(format(packageVersion('reticulate')))"), rpy2 $("$PY" -c 'import rpy2; print(rpy2.__version__)'): ready"
