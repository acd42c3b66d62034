# The package's R sources (the source tree's R/ folder; R CMD check's built package has none, so
# there this test skips): each top-level function is defined once. R collates the files in order,
# so a second definition silently replaces the first (get_default_batch_axis() was once defined in
# both R/axis.R and R/ops-variables.R).

r_sources_dir <- function() {
  candidates <- c(testthat::test_path("..", "..", "R"), file.path(Sys.getenv("CNTKR_SOURCE"), "R"))
  hit <- candidates[dir.exists(candidates) & file.exists(file.path(dirname(candidates), "DESCRIPTION"))]
  if (length(hit)) hit[[1]] else NA_character_
}

test_that("every top-level function of R/ is defined in one place", {
  dir <- r_sources_dir()
  skip_if(is.na(dir), "the R sources are not here (a built package)")
  defined <- character()
  for (file in list.files(dir, pattern = "[.]R$", full.names = TRUE)) {
    for (e in as.list(parse(file, keep.source = FALSE))) {
      if (is.call(e) && as.character(e[[1]]) %in% c("<-", "=") && is.name(e[[2]]) &&
          is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function"))) {
        defined <- c(defined, paste0(as.character(e[[2]]), " (", basename(file), ")"))
      }
    }
  }
  expect_gt(length(defined), 300)
  names <- sub(" .*", "", defined)
  expect_identical(defined[names %in% names[duplicated(names)]], character())
})
