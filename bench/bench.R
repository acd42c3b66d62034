# Benchmark worker for cntkr through its R API (func_eval / func_grad), driven by bench/run.py.
#
# Run: Rscript bench/bench.R   (with R_LIBS holding the cntkr package and RETICULATE_PYTHON
# pointing at the venv's python). Speaks the worker protocol of bench/run.py: one JSON request
# per stdin line, one JSON reply per stdout line:
#   {"cmd": "setup", "cases": [...]}                          -> {"ok": true}
#   {"cmd": "time", "case": id, "mode": "fwd"|"fwdbwd", "inner": n} -> {"t": seconds per call}
#   {"cmd": "quit"}
suppressPackageStartupMessages({
  library(cntkr)
  library(jsonlite)
})
# the "R_tuned" worker (started with R_VSIZE=512M, see bench/impls.py): glibc keeps large
# blocks in R's heap (see ?tune_allocator)
if (nzchar(Sys.getenv("CNTKR_BENCH_TUNE_ALLOCATOR"))) stopifnot(isTRUE(tune_allocator()))

build <- function(case) {
  x <- op_input_variable(unlist(case$input_shape), needs_gradient = TRUE)
  lk <- case$layer
  layer <- if (identical(case$kind, "Dense")) {
    Dense(unlist(lk$shape))
  } else if (identical(case$kind, "Convolution2D")) {
    Convolution2D(unlist(lk$filter_shape), num_filters = lk$num_filters, pad = lk$pad)
  } else if (identical(case$kind, "MaxPooling")) {
    MaxPooling(unlist(lk$filter_shape), strides = lk$strides)
  } else {
    ConvolutionTranspose(
      filter_shape = unlist(lk$filter_shape), num_filters = lk$num_filters,
      strides = lk$strides, pad = lk$pad,
      output_shape = if (is.null(lk$output_shape)) NULL else unlist(lk$output_shape))
  }
  f <- layer(x)
  d <- c(case$batch, unlist(case$input_shape))
  set.seed(0)
  xv <- array(rnorm(prod(d)), d)
  wrt <- if (identical(case$kind, "MaxPooling")) list(x) else list(x, layer$W, layer$b)
  list(fwd = function() func_eval(f, xv),
       fwdbwd = function() func_grad(f, xv, wrt = wrt))
}

reply <- function(obj) {
  cat(toJSON(obj, auto_unbox = TRUE, digits = NA), "\n", sep = "")
  flush(stdout())
}

main <- function() {
  con <- file("stdin", "r")
  fns <- list()
  repeat {
    line <- readLines(con, n = 1)
    if (length(line) == 0) break
    req <- fromJSON(line, simplifyVector = FALSE)
    if (req$cmd == "setup") {
      fns <- list()
      for (case in req$cases) fns[[case$id]] <- build(case)
      reply(list(ok = TRUE, version = as.character(utils::packageVersion("cntkr"))))
    } else if (req$cmd == "time") {
      fn <- fns[[req$case]][[req$mode]]
      n <- as.integer(req$inner)
      fn()  # one untimed call: caches warm again after the other implementations ran
      t0 <- Sys.time()
      for (i in seq_len(n)) fn()
      reply(list(t = as.numeric(Sys.time() - t0, units = "secs") / n))
    } else {
      break
    }
  }
}

main()
