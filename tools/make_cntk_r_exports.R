#!/usr/bin/env Rscript
# Writes vignettes/articles/cntk-r-exports.csv: CNTK-R's exports (its NAMESPACE) with the CNTK-R
# source file that defines each, for the "Migrating from CNTK-R" article, which compares them with
# cntkr's exports when it is built (so its coverage table is always the installed package's).
#
#   Rscript tools/make_cntk_r_exports.R path/to/CNTK-R
#
# (CNTK-R: github.com/Microsoft/CNTK-R; its NAMESPACE and R/ folder are read, never run.)
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript tools/make_cntk_r_exports.R path/to/CNTK-R")
src <- args[[1]]
ns <- readLines(file.path(src, "NAMESPACE"))
exports <- sub("^export\\((.*)\\)$", "\\1", grep("^export\\(", ns, value = TRUE))
exports <- gsub("^[\"`]|[\"`]$", "", exports)
defined_in <- character()
for (f in sort(list.files(file.path(src, "R"), pattern = "[.]R$", full.names = TRUE))) {
  for (e in parse(f, keep.source = FALSE)) {
    if (is.call(e) && (identical(e[[1]], as.name("<-")) || identical(e[[1]], as.name("="))) &&
        (is.name(e[[2]]) || is.character(e[[2]]))) {
      name <- as.character(e[[2]])
      if (!name %in% names(defined_in)) defined_in[[name]] <- basename(f)
    }
  }
}
out <- data.frame(name = exports, file = unname(ifelse(exports %in% names(defined_in),
                                                       defined_in[exports], NA_character_)))
out <- out[order(out$file, out$name), ]
write.csv(out, file.path("vignettes", "articles", "cntk-r-exports.csv"), row.names = FALSE, na = "")
cat(nrow(out), "exports of CNTK-R written to vignettes/articles/cntk-r-exports.csv\n")
