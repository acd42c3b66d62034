#!/usr/bin/env bash
# Builds both documentation sites, offline, with warnings as errors:
#   docs/_site/r       the R site (pkgdown: _pkgdown.yml; reference from man/, the vignettes
#                      as articles, every example run)
#   docs/_site/python  the Python site (sphinx -W: docs/conf.py, docs/*.rst|md)
# Fails on any warning, on an example or article chunk that errors or warns, and when an
# export or vignette is missing from _pkgdown.yml. `make test` runs it after the tests;
# `tools/build_sites.sh r` or `tools/build_sites.sh python` builds one site.
# Needs .venv (sphinx, myst-parser) and the R package installed into .Rlib (tools/setup_r.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export R_LIBS="$ROOT/.Rlib${R_LIBS:+:$R_LIBS}"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$ROOT/.venv/bin/python}"
PY="$ROOT/.venv/bin/python"
which="${1:-all}"

build_python() {
  local t0=$SECONDS out="$ROOT/docs/_site/python"
  "$PY" -c "import sphinx, myst_parser" 2>/dev/null ||
    "$PY" -m pip install -q --disable-pip-version-check sphinx myst-parser
  # (docs/migrating-from-cntk.md is written by tools/make_migration_table.py; tests/test_docs_sites.py
  # fails when it is stale)
  # a fresh build each time: sphinx reports a page's warnings only when it reads the page
  rm -rf "$out" "$ROOT/docs/_site/.doctrees" "$ROOT/docs/_site/.doctest"
  # -W: warnings are errors; --keep-going: report them all first
  "$PY" -m sphinx -q -W --keep-going -b html -d "$ROOT/docs/_site/.doctrees" docs "$out"
  "$PY" -m sphinx -q -W --keep-going -b doctest -d "$ROOT/docs/_site/.doctrees" docs "$ROOT/docs/_site/.doctest"
  echo "build_sites: python site in docs/_site/python ($((SECONDS - t0)) s)"
}

build_r() {
  local t0=$SECONDS
  bash "$ROOT/tools/setup_r.sh" >/dev/null
  # What Python prints (ProgressPrinter, the learners' rate messages, log_number_of_parameters)
  # goes through R's console, so the examples' and articles' pages show it (reticulate otherwise
  # leaves Python's stdout on the process's, outside knitr's and pkgdown's capture).
  export RETICULATE_REMAP_OUTPUT_STREAMS=1
  # The tutorials' data (make data writes Fashion-MNIST as CTF into data/, which git ignores)
  if [ -z "${CNTKR_FASHION_MNIST_CTF:-}" ] && [ -d "$ROOT/data/fashion-mnist" ]; then
    export CNTKR_FASHION_MNIST_CTF="$ROOT/data/fashion-mnist"
  fi
  Rscript --vanilla - <<'EOF'
# pkgdown.internet = FALSE: no CRAN/Bioconductor look-ups (pkgdown asks them for the sidebar links).
options(pkgdown.internet = FALSE, warn = 1)
# downlit links `library(pkg)` for packages not installed here through CRAN's package list,
# which it downloads: offline, such a package gets no link.
utils::assignInNamespace("CRAN_urls", function() data.frame(Package = character(), URL = character()),
                         "downlit")
seen <- character()
note <- function(w) {
  seen <<- c(seen, conditionMessage(w))
  message("WARNING: ", conditionMessage(w))
  invokeRestart("muffleWarning")
}
pkg <- withCallingHandlers(pkgdown::as_pkgdown("."), warning = note)
unlink(pkg$dst_path, recursive = TRUE)
withCallingHandlers(
  pkgdown::build_site(".", devel = FALSE, install = FALSE, new_process = FALSE,
                      preview = FALSE, examples = TRUE, lazy = FALSE),
  warning = note
)
# Examples and article chunks that fail or warn are shown in the page, not raised: find them.
pages <- list.files(pkg$dst_path, pattern = "[.]html$", recursive = TRUE, full.names = TRUE)
pages <- pages[grepl("^(reference|articles)/", sub(paste0(pkg$dst_path, "/"), "", pages, fixed = TRUE))]
for (page in pages) {
  html <- xml2::read_html(page)
  # downlit marks an example's errors and warnings (reference pages) with these classes
  bad <- xml2::xml_find_all(html, "//span[contains(concat(' ', @class, ' '), ' r-err ') or contains(concat(' ', @class, ' '), ' r-wrn ')]")
  if (length(bad)) {
    seen <- c(seen, sprintf("%s: %s", page, paste(unique(trimws(xml2::xml_text(bad))), collapse = " | ")))
  }
  # knitr's chunk output in the articles: "#> Warning ..." lines (a chunk that errors stops the
  # build unless it is an `error = TRUE` chunk, which shows an error on purpose)
  text <- unlist(strsplit(xml2::xml_text(xml2::xml_find_all(html, "//pre")), "\n"))
  hits <- grep("^(#>|##) *Warning\\b", text, value = TRUE)
  if (length(hits)) seen <- c(seen, sprintf("%s: %s", page, paste(unique(hits), collapse = " | ")))
}
# Links between the site's own pages (pkgdown does not check them): every relative href resolves.
for (page in list.files(pkg$dst_path, pattern = "[.]html$", recursive = TRUE, full.names = TRUE)) {
  href <- xml2::xml_attr(xml2::xml_find_all(xml2::read_html(page), "//a[@href]"), "href")
  href <- sub("#.*$", "", href[!grepl("^([a-z]+:|#|//)", href)])
  href <- href[nzchar(href)]
  broken <- href[!file.exists(file.path(dirname(page), href))]
  if (length(broken)) seen <- c(seen, sprintf("%s: broken link(s) %s", page, toString(unique(broken))))
}
if (length(seen)) {
  cat("build_sites: the R site has", length(seen), "warning(s):\n", paste0("  ", seen, "\n"), file = stderr())
  quit(status = 1)
}
EOF
  echo "build_sites: R site in docs/_site/r ($((SECONDS - t0)) s)"
}

case "$which" in
  python) build_python ;;
  r) build_r ;;
  all) build_python; build_r ;;
  *) echo "usage: tools/build_sites.sh [all|python|r]" >&2; exit 2 ;;
esac
