# Does the C layout pass (src/layout.c) still pay? func_eval / func_grad of an identity on large
# arrays from R, with the bridge's C passes in use and without them (torch / NumPy do the same
# reordering then), so that the difference is the layout work alone, both ways.
#
# Run: tools/run_r.sh Rscript bench/r_layout.R
# Prints, per shape: milliseconds per call (best of 9 repeats of 5 calls, the two layouts taking
# turns) with and without the C pass, for func_eval (R array in, R array out) and func_grad with
# respect to the input. With tune_allocator() (CNTKR_BENCH_TUNE_ALLOCATOR=1) fewer page faults
# blur the comparison.
suppressPackageStartupMessages(library(cntkr))
if (nzchar(Sys.getenv("CNTKR_BENCH_TUNE_ALLOCATOR"))) stopifnot(isTRUE(tune_allocator()))

shapes <- list(c(64, 64, 16, 16), c(64, 3, 64, 64))
repeats <- 9L
inner <- 5L

# milliseconds per call, over `inner` calls after one untimed call
time_ms <- function(call) {
  call()
  t0 <- Sys.time()
  for (i in seq_len(inner)) call()
  as.numeric(Sys.time() - t0, units = "secs") / inner * 1e3
}

set_native <- function(on) {
  bridge <- cntkr:::py_handles$bridge
  path <- if (on) getLoadedDLLs()[["cntkr"]][["path"]] else NULL
  reticulate::py_call(reticulate::py_get_attr(bridge, "use_native"), path)
}

for (d in shapes) {
  x <- op_input_variable(d[-1], needs_gradient = TRUE)
  f <- activation_identity(x)
  v <- array(runif(prod(d)), d)
  func_eval(f, v) # loads the bridge
  calls <- list(eval = function() func_eval(f, v), grad = function() func_grad(f, v, wrt = x))
  best <- c()
  # the two layouts alternate, repeat after repeat, so that both see the same machine
  for (r in seq_len(repeats)) {
    for (on in c(TRUE, FALSE)) {
      set_native(on)
      for (kind in names(calls)) {
        label <- paste(if (on) "C pass" else "torch/NumPy", kind)
        best[label] <- min(best[label], time_ms(calls[[kind]]), na.rm = TRUE)
      }
    }
  }
  set_native(TRUE)
  cat(sprintf("%-16s %s\n", paste(d, collapse = "x"),
              paste(sprintf("%s %.2f ms", names(best), best), collapse = ", ")))
}
