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
