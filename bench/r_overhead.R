# The R per-call overhead of func_eval / func_grad: the same tiny call timed from R and, in the
# same process, from Python (reticulate::py_run_string runs Python's own timing loop), so that
# the difference is what the R API adds (argument checks, reticulate's call, the arrays' way in
# and out). Target: <= 200 us above the Python call.
#
# Run: tools/run_r.sh Rscript bench/r_overhead.R [calls per repeat, default 20000]
# Prints one line per call kind: R, Python, R - Python, in microseconds (best of 7 repeats).
suppressPackageStartupMessages(library(cntkr))

n <- as.integer(commandArgs(TRUE)[1])
if (is.na(n)) n <- 20000L
repeats <- 7L

x <- op_input_variable(c(1, 3), needs_gradient = TRUE)
layer <- ConvolutionTranspose(2, num_filters = 1)
f <- layer(x)
xv <- array(c(1, 2, 3), c(1, 1, 3))
wrt <- list(layer$W)

best_r <- function(call) {
  for (i in seq_len(2000)) call()  # warm-up
  times <- vapply(seq_len(repeats), function(r) {
    t0 <- Sys.time()
    for (i in seq_len(n)) call()
    as.numeric(Sys.time() - t0, units = "secs") / n
  }, numeric(1))
  min(times)
}

main <- reticulate::py_run_string("
import timeit
import numpy as np

def best_python(call, n, repeats):
    for _ in range(2000):
        call()
    return min(timeit.repeat(call, number=n, repeat=repeats)) / n
", convert = FALSE)
main$f <- f
main$x <- x
main$W <- layer$W
reticulate::py_run_string("xv = np.array([[[1.0, 2.0, 3.0]]], dtype=np.float32)")
best_python <- function(code) {
  reticulate::py_to_r(reticulate::py_eval(sprintf(
    "best_python(lambda: %s, %d, %d)", code, n, repeats
  )))
}

cases <- list(
  func_eval = list(r = function() func_eval(f, xv), py = "f.eval(xv)"),
  func_grad = list(r = function() func_grad(f, xv, wrt = wrt), py = "f.grad(xv, wrt=[W])")
)
for (name in names(cases)) {
  r <- best_r(cases[[name]]$r)
  py <- best_python(cases[[name]]$py)
  cat(sprintf("%-10s R %7.1f us   Python %7.1f us   R - Python %7.1f us\n",
              name, r * 1e6, py * 1e6, (r - py) * 1e6))
}
