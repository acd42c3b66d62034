# Loading cntkr's Python side makes torch's OpenMP threads wait passively (sleep, not spin),
# unless the user set OMP_WAIT_POLICY: checked in a fresh R process, where torch loads first.
test_that("torch's threads wait passively unless the user chose", {
  skip_if_not(is_cntkr_available())
  probe <- "library(cntkr); invisible(func_eval(op_relu(op_input_variable(2)), array(1, c(1, 2)))); cat(Sys.getenv('OMP_WAIT_POLICY'))"
  rscript <- file.path(R.home("bin"), "Rscript")
  run <- function(policy) {
    set <- if (is.na(policy)) c("-u", "OMP_WAIT_POLICY") else paste0("OMP_WAIT_POLICY=", policy)
    out <- system2("env", c(set, rscript, "-e", shQuote(probe)), stdout = TRUE, stderr = FALSE)
    tail(out, 1)
  }
  expect_equal(run(NA), "PASSIVE")
  expect_equal(run("ACTIVE"), "ACTIVE")
})

# torch's own BLAS (MKL, inside libtorch_cpu) must serve torch's matrix products in R, where R's
# BLAS comes first in the process's symbol scope: checked with the dynamic linker's record of
# which library each of libtorch_cpu's calls to `sgemm_` was bound to (LD_DEBUG=bindings), in
# fresh R processes. Loaded by cntkr, torch binds to itself; imported before cntkr, it binds to
# R's BLAS, and cntkr says so.
test_that("torch's sgemm_ is its own in R; torch imported before cntkr gets a warning", {
  skip_if_not(is_cntkr_available())
  skip_on_os(c("windows", "mac"))
  rscript <- file.path(R.home("bin"), "Rscript")
  dense <- "invisible(func_eval(Dense(64)(op_input_variable(64)), matrix(1, 64, 64)))"
  bindings <- function(code) {
    log <- tempfile()
    out <- system2("env", c(paste0("LD_DEBUG=bindings"), paste0("LD_DEBUG_OUTPUT=", log),
                            rscript, "-e", shQuote(code)), stdout = TRUE, stderr = TRUE)
    files <- Sys.glob(paste0(log, ".*"))
    on.exit(unlink(files))
    lines <- unlist(lapply(files, readLines, warn = FALSE))
    list(out = out, sgemm = grep("libtorch_cpu[.]so .* normal symbol `sgemm_'", lines, value = TRUE))
  }
  for (first in c("", "stopifnot(is_cntkr_available()); ")) {  # (examples and vignettes ask first)
    own <- bindings(paste0("suppressPackageStartupMessages(library(cntkr)); ", first, dense))
    expect_gt(length(own$sgemm), 0)
    expect_true(all(grepl("to [^ ]*libtorch_cpu[.]so", own$sgemm)), info = paste(own$sgemm, collapse = "\n"))
    expect_false(any(grepl("imported before cntkr", own$out)), info = paste(own$out, collapse = "\n"))
  }

  first <- bindings(paste0(
    "invisible(reticulate::import('torch')); ",
    "w <- tryCatch({ suppressPackageStartupMessages(library(cntkr)); ", dense, "; 'no warning' },",
    " cntkr_blas_warning = function(w) conditionMessage(w)); cat(w, '\\n')"
  ))
  expect_true(any(grepl("torch was imported before cntkr in this R session", first$out)),
              info = paste(first$out, collapse = "\n"))
})
