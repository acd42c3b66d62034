# R arrays cross to Python and back through cntkr_py/_r_bridge.py (the one call
# path, reticulate): column-major float64 in, C-order arrays of the input's
# dtype on the Python side, and back. Small arrays go through NumPy, large
# ones through this package's C layout passes (src/layout.c, called by the
# bridge through ctypes) or torch; all must keep x[i, j, k] == a[i - 1, j - 1, k - 1]
# (a batch and its samples one by one may differ in the last bits: other
# convolution kernels).

# Runs `code` with the bridge's C layout passes off (torch/NumPy only).
with_python_layout <- function(code) {
  bridge <- cntkr:::py_handles$bridge
  reticulate::py_call(reticulate::py_get_attr(bridge, "use_native"), NULL)
  on.exit(reticulate::py_call(
    reticulate::py_get_attr(bridge, "use_native"), getLoadedDLLs()[["cntkr"]][["path"]]
  ))
  force(code)
}

# Runs an R script in a fresh R process (with this session's library paths)
# under `timeout`; returns its output lines, with the exit status as attribute.
run_rscript <- function(lines, timeout = 60, env = character()) {
  script <- tempfile(fileext = ".R")
  writeLines(c(sprintf(".libPaths(%s)", paste(deparse(.libPaths()), collapse = "")), lines), script)
  rscript <- file.path(R.home("bin"), "Rscript")
  use_timeout <- nzchar(Sys.which("timeout"))
  cmd <- if (use_timeout) "timeout" else rscript
  args <- if (use_timeout) c(timeout, shQuote(rscript), shQuote(script)) else shQuote(script)
  out <- suppressWarnings(system2(cmd, args, stdout = TRUE, stderr = TRUE, env = env))
  attr(out, "status") <- attr(out, "status") %||% 0L
  out
}

# The script's output `out` has a line matching `pattern`.
expect_line <- function(out, pattern) {
  expect_true(any(grepl(pattern, out)), info = paste(out, collapse = "\n"))
}

test_that("non-square arrays keep their indexing both ways (small and large)", {
  skip_if_no_cntkr()
  for (d in list(c(2, 3, 5, 7), c(3, 5, 64, 67))) {
    x <- op_input_variable(d[-1])
    # values exact in float32, all different, so any reordering shows
    v <- array(seq_len(prod(d)) / 8, d)
    y <- func_eval(activation_identity(x), v)
    expect_identical(dim(y), as.integer(d))
    expect_identical(y, v)
  }
})

test_that("float64 inputs round-trip exactly and their gradients keep the layout", {
  skip_if_no_cntkr()
  for (d in list(c(1, 2, 3), c(4, 3, 70, 90))) {
    x <- op_input_variable(d[-1], dtype = "float64", needs_gradient = TRUE)
    set.seed(1)
    v <- array(rnorm(prod(d)), d)
    f <- op_tanh(x)
    expect_identical(func_eval(activation_identity(x), v), v)
    expect_equal(func_eval(f, v), tanh(v), tolerance = 1e-15)
    g <- func_grad(f, v, wrt = x)
    expect_identical(dim(g), as.integer(d))
    expect_equal(g, 1 - tanh(v)^2, tolerance = 1e-12)
  }
})

test_that("a batch through the large path equals its samples one by one (batch 1)", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 40, 50), needs_gradient = TRUE)
  layer <- ConvolutionTranspose(c(3, 5), num_filters = 2, init = init_uniform(1, seed = 7))
  f <- layer(x)
  set.seed(2)
  v <- array(rnorm(5 * 3 * 40 * 50), c(5, 3, 40, 50))  # 30000 values in, 22680 out
  y <- func_eval(f, v)
  g <- func_grad(f, v, wrt = list(x, layer$W))
  expect_identical(dim(y), c(5L, 2L, 42L, 54L))
  expect_identical(dim(g[[1]]), dim(v))
  gW <- 0
  for (i in seq_len(5)) {
    vi <- v[i, , , , drop = FALSE]  # 6000 values: the small path
    expect_equal(y[i, , , , drop = FALSE], func_eval(f, vi), tolerance = 1e-6)
    gi <- func_grad(f, vi, wrt = list(x, layer$W))
    expect_equal(g[[1]][i, , , , drop = FALSE], gi[[1]], tolerance = 1e-6)
    gW <- gW + gi[[2]]
  }
  expect_equal(g[[2]], gW, tolerance = 1e-5)
})

test_that("integer and logical inputs are read as numbers, NA is rejected on every path", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3))
  f <- activation_identity(x)
  expect_identical(func_eval(f, array(1:6, c(1, 2, 3))), array(as.double(1:6), c(1, 2, 3)))
  expect_identical(func_eval(f, array(c(TRUE, FALSE), c(1, 2, 3))), array(c(1, 0), c(1, 2, 3)))
  expect_value_error(func_eval(f, array(c(1L, NA), c(1, 2, 3))), "`arguments` must not contain NA.")
  big <- op_input_variable(c(100, 200))
  v <- array(0, c(1, 100, 200))
  v[1, 50, 150] <- NaN
  expect_value_error(func_eval(activation_identity(big), v), "`arguments` must not contain NA.")
  expect_value_error(with_python_layout(func_eval(activation_identity(big), v)),
                     "`arguments` must not contain NA.")
  v[1, 50, 150] <- Inf
  v[1, 1, 1] <- -Inf
  expect_identical(func_eval(activation_identity(big), v), v)
})

test_that("the C layout passes are in use and agree with torch/NumPy on every rank", {
  skip_if_no_cntkr()
  func_eval(activation_identity(op_input_variable(1)), array(1, c(1, 1)))  # loads the bridge
  bridge <- cntkr:::py_handles$bridge
  expect_false(is.null(reticulate::py_to_r(reticulate::py_get_attr(bridge, "_r_to_c"))))
  expect_false(is.null(reticulate::py_to_r(reticulate::py_get_attr(bridge, "_c_to_r"))))
  shapes <- list(
    c(3, 1), c(9, 17), c(2, 3, 5), c(13, 1, 9, 10), c(3, 2, 9, 4, 11), c(2, 3, 4, 5, 6, 7),
    c(64, 64, 16, 16), c(1, 3, 37, 29), c(4, 3, 70, 90)
  )
  for (d in shapes) {
    for (dtype in c("float32", "float64")) {
      x <- op_input_variable(d[-1], dtype = dtype, needs_gradient = TRUE)
      f <- op_relu(x)
      v <- array(seq_len(prod(d)) / 8, d)  # positive, exact in float32, all different
      y <- func_eval(f, v)
      g <- func_grad(f, v, wrt = x)
      expect_identical(y, v)
      expect_identical(g, array(1, d))
      expect_identical(with_python_layout(func_eval(f, v)), y)
      expect_identical(with_python_layout(func_grad(f, v, wrt = x)), g)
      a <- cntkr:::as_numpy_array(v, dtype)
      expect_identical(reticulate::py_to_r(a), v)
    }
  }
})

test_that("NA is found by the C pass anywhere in a large array", {
  skip_if_no_cntkr()
  d <- c(4, 8, 33, 65)
  f <- activation_identity(op_input_variable(d[-1]))
  for (i in c(1, 1000, prod(d))) {
    v <- array(0, d)
    v[i] <- NA
    expect_value_error(func_eval(f, v), "`arguments` must not contain NA.")
  }
})

test_that("several results come back as one list, alike on both layout paths", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 40, 50), dtype = "float64", needs_gradient = TRUE)
  h <- op_relu(x)
  f <- op_tanh(h)
  set.seed(3)
  v <- array(rnorm(2 * 3 * 40 * 50), c(2, 3, 40, 50))
  run <- function() {
    list(
      eval = func_eval(f, v, outputs = list(h, f)),
      grad = func_grad(f, v, wrt = list(x), outputs = list(h, f))
    )
  }
  native <- run()
  expect_equal(native$eval, list(pmax(v, 0), tanh(pmax(v, 0))), tolerance = 1e-15)
  expect_equal(native$grad$gradients, (1 - tanh(pmax(v, 0))^2) * (v > 0), tolerance = 1e-12)
  expect_identical(native$grad$outputs, native$eval)
  expect_identical(with_python_layout(run()), native)
})

test_that("func_eval and func_grad take every form of arguments alike", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 5, 4), needs_gradient = TRUE, name = "vol")
  layer <- ConvolutionTranspose(c(3, 2), num_filters = 2, init = init_uniform(1, seed = 3))
  h <- layer(x)
  f <- op_tanh(h)
  set.seed(4)
  v <- array(rnorm(2 * 3 * 5 * 4), c(2, 3, 5, 4))
  y <- func_eval(f, v)
  expect_identical(func_eval(f, dict(x = v)), y)          # keyed by the R variable x
  expect_identical(func_eval(f, dict(vol = v)), y)        # no R variable vol: by the input's name
  expect_identical(func_eval(f, list(vol = v)), y)        # named list: by name
  expect_identical(func_eval(f, list(v)), y)              # unnamed list: in order
  expect_identical(func_eval(f, stats::setNames(list(v), x$name)), y)
  expect_identical(func_eval(f, v, outputs = list(h, f))[[2]], y)
  expect_identical(func_eval(f, v, outputs = list(h)), func_eval(h, v))
  g <- func_grad(f, v, wrt = list(x, layer$W, layer$b))
  expect_identical(func_grad(f, dict(vol = v), wrt = list(x, layer$W, layer$b)), g)
  expect_identical(func_grad(f, v, wrt = layer$W), g[[2]])
  expect_identical(func_grad(f, v), g[[1]])
  both <- func_grad(f, v, wrt = list(layer$W), outputs = list(f))
  expect_identical(both$gradients, g[[2]])
  expect_identical(both$outputs, y)
  # R vectors without dim (a sample without its batch axis)
  v3 <- op_input_variable(3)
  expect_identical(func_eval(op_relu(v3), c(1, -2, 3)), array(c(1, 0, 3), c(1, 3)))
  v1 <- op_input_variable(1)
  expect_identical(func_eval(op_relu(v1), array(-2L, c(1, 1))), array(0, c(1, 1)))
})

test_that("a Python error runs the work once and arrives as a classed R condition", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3), needs_gradient = TRUE)
  f <- op_relu(x)
  err <- tryCatch(func_eval(f, array(1, c(1, 3, 2))), error = identity)
  expect_s3_class(err, c("value_error", "cntkr_error", "error", "condition"), exact = TRUE)
  expect_match(conditionMessage(err), "must have shape c(batch, 2, 3), got c(1, 3, 2)", fixed = TRUE)
  expect_false(grepl("py_last_error|python.builtin|Variable[0-9]", conditionMessage(err)))
  expect_null(conditionCall(err))
  # the work ran once: Function.eval, counted for the length of this test
  reticulate::py_run_string(paste(
    "import cntkr_py",
    "_eval_calls = [0]",
    "_eval = cntkr_py.Function.eval",
    "def _counting_eval(self, *a, **k):",
    "    _eval_calls[0] += 1",
    "    return _eval(self, *a, **k)",
    "cntkr_py.Function.eval = _counting_eval",
    sep = "\n"
  ))
  on.exit(reticulate::py_run_string("cntkr_py.Function.eval = _eval"), add = TRUE)
  expect_error(func_eval(f, array(1, c(1, 3, 3))), class = "value_error")
  expect_identical(reticulate::py_eval("_eval_calls[0]"), 1L)
  # a TypeError arrives as a type_error; anything else as a cntkr_error
  expect_error(cntkr:::cntk_call("layers.ConvolutionTranspose", 3, activation = 5), class = "type_error")
  err <- tryCatch(ConvolutionTranspose(3)$nothing, error = identity)
  expect_s3_class(err, c("cntkr_error", "error", "condition"), exact = TRUE)
  expect_match(conditionMessage(err), "has no attribute 'nothing'", fixed = TRUE)
  # an R error raised by R code that Python called keeps its class and message
  bad <- ConvolutionTranspose(3, num_filters = 1, activation = function(v) 42)
  expect_error(bad(op_input_variable(c(1, 4))),
               "`activation` must return a cntkr Function (built from cntkr ops such as op_relu()), not 42.",
               fixed = TRUE, class = "value_error")
  # and the session goes on
  expect_identical(func_eval(f, array(-1, c(1, 2, 3))), array(0, c(1, 2, 3)))
})

test_that("unloading the package stops the bridge from calling its library", {
  skip_if_no_cntkr()
  out <- run_rscript(c(
    "suppressPackageStartupMessages(library(cntkr))",
    "x <- op_input_variable(c(40, 30))",
    "v <- array(1:4800 / 4, c(4, 40, 30))  # past the size where the C pass is used",
    "stopifnot(identical(func_eval(op_relu(x), v), v))",
    "bridge <- reticulate::import('cntkr_py._r_bridge')",
    "unloadNamespace('cntkr')",
    "stopifnot(is.null(bridge$`_r_to_c`), is.null(bridge$`_c_to_r`))",
    "stopifnot(identical(bridge$from_r(v), v))",
    "cat('unloaded fine\\n')"
  ))
  expect_line(out, "unloaded fine")
})

test_that("a Python that cannot import cntkr_py gives a classed error that says how to install it", {
  skip_if_no_cntkr()
  # a stand-in `torch` first on Python's path, which fails to import
  fake <- tempfile("pythonpath")
  dir.create(file.path(fake, "torch"), recursive = TRUE)
  writeLines("raise ImportError('torch is missing (a stand-in for this test)')",
             file.path(fake, "torch", "__init__.py"))
  out <- run_rscript(c(
    "suppressPackageStartupMessages(library(cntkr))",
    "e <- tryCatch(op_input_variable(2), error = identity)",
    "cat(class(e), '\\n')",
    "cat(conditionMessage(e), '\\n')"
  ), env = paste0("PYTHONPATH=", fake))
  expect_line(out, "^python_missing_error cntkr_error error condition")
  expect_line(out, "could not load the Python package 'cntkr_py' [(]ImportError: torch is missing")
  expect_line(out, "install_cntkr()")
  expect_false(any(grepl("py_last_error", out)))
})

test_that("a forked R process (parallel::mclapply) can call func_eval", {
  skip_if_no_cntkr()
  skip_on_os("windows")  # no fork()
  # torch's OpenMP thread pool (and the C layout pass's) does not survive fork():
  # without care the child's first multi-threaded kernel waits forever.
  out <- run_rscript(c(
    "suppressPackageStartupMessages(library(cntkr))",
    "x <- op_input_variable(c(2, 5, 5))",
    "f <- ConvolutionTranspose(c(3, 3), 4)(x)",
    "xv <- array(runif(150), c(3, 2, 5, 5))",
    "y <- func_eval(f, xv)",
    "big <- op_input_variable(c(64, 16, 16))",
    "g <- op_relu(big)",
    "bv <- array(seq_len(64^2 * 256) / 8, c(64, 64, 16, 16))  # the C pass, multi-threaded",
    "stopifnot(identical(func_eval(g, bv), bv))",
    "res <- parallel::mclapply(1:2, function(i) list(func_eval(f, xv), func_eval(g, bv)), mc.cores = 2)",
    "for (r in res) stopifnot(identical(r[[1]], y), identical(r[[2]], bv))",
    "stopifnot(identical(func_eval(g, bv), bv))  # the parent keeps its threads",
    "cat('forked fine\\n')"
  ), timeout = 120)
  expect_line(out, "forked fine")
})

test_that("an interrupt stops a long call and leaves the session usable", {
  skip_if_no_cntkr()
  skip_on_os("windows")  # signals
  # In a fresh R: a deep graph on a large batch; a background shell sends this
  # R process SIGINT a second into the call (reticulate turns it into Python's
  # KeyboardInterrupt, which stops the step loop, and back into an R interrupt).
  out <- run_rscript(c(
    "suppressPackageStartupMessages(library(cntkr))",
    "x <- op_input_variable(c(256, 256))",
    "h <- x",
    "for (i in 1:100) h <- op_tanh(h)",
    "xv <- array(runif(8 * 256 * 256), c(8, 256, 256))",
    "t0 <- Sys.time(); invisible(func_eval(h, xv)); once <- as.numeric(Sys.time() - t0, units = 'secs')",
    "reps <- max(1, ceiling(8 / once))  # about 8 seconds of work",
    "system(sprintf('(sleep 1; kill -INT %d)', Sys.getpid()), wait = FALSE)",
    "t0 <- Sys.time()",
    "res <- tryCatch({ for (i in seq_len(reps)) func_eval(h, xv); 'ran to the end' },",
    "                interrupt = function(e) 'interrupted')",
    "took <- as.numeric(Sys.time() - t0, units = 'secs')",
    "cat(res, 'after', took, 'of', reps * once, 'seconds\\n')",
    "stopifnot(identical(dim(func_eval(op_relu(x), xv)), c(8L, 256L, 256L)))",
    "cat('session usable\\n')"
  ), timeout = 120)
  expect_line(out, "^interrupted after")
  expect_line(out, "session usable")
  took <- as.numeric(sub("^interrupted after ([0-9.e-]+) of ([0-9.e-]+).*", "\\1",
                         grep("^interrupted after", out, value = TRUE)))
  expect_lt(took, 6)
})

test_that("an interrupt that reticulate reports as its class-lookup error is an interrupt", {
  # SIGINT landing while reticulate wraps a result: reticulate prints Python's KeyboardInterrupt
  # and stops with this message (timing-dependent, so the mapping is checked directly)
  e <- simpleError("Exception raised by 'inspect.getmro(<pyobj>)'; unable to build R 'class' attribute")
  expect_identical(tryCatch(cntkr:::signal_reticulate_error(e), interrupt = function(i) "interrupted"),
                   "interrupted")
  other <- simpleError("cannot convert object")
  expect_error(cntkr:::signal_reticulate_error(other), "cannot convert object", class = "cntkr_error")
})

test_that("tune_allocator() keeps large results off fresh pages (Linux), checks its arguments", {
  skip_if_not(file.exists("/proc/self/stat"), "needs Linux's /proc to count page faults")
  # in fresh R processes: the setting is process-wide
  script <- tempfile(fileext = ".R")
  writeLines(c(
    "tune <- commandArgs(TRUE)[[1]] == 'tune'",
    "if (tune) stopifnot(isTRUE(cntkr::tune_allocator()))",
    "faults <- function() as.numeric(strsplit(readLines('/proc/self/stat'), ' ')[[1]][10])",
    "v <- runif(524288)  # 4 MB",
    "for (i in 1:20) w <- v * 2",
    "f0 <- faults(); for (i in 1:50) w <- v * 2; f1 <- faults()",
    "cat('faults per 4 MB result:', (f1 - f0) / 50, '\\n')"
  ), script)
  rscript <- file.path(R.home("bin"), "Rscript")
  per_call <- function(mode) {
    out <- system2(rscript, c(script, mode), stdout = TRUE, stderr = TRUE)
    line <- grep("faults per 4 MB result", out, value = TRUE)
    expect_length(line, 1)
    as.numeric(sub(".*: ", "", line))
  }
  untuned <- per_call("default")
  tuned <- per_call("tune")
  expect_lt(tuned, 5)
  expect_lte(tuned, untuned)
  expect_value_error(tune_allocator(64 * 1024^2), "`mmap_threshold` must be at most 32 MiB")
  expect_value_error(tune_allocator(-1), "`mmap_threshold` must be whole numbers >= 0")
  expect_value_error(tune_allocator(trim_threshold = "a"), "`trim_threshold` must be whole numbers")
})

test_that("no R code hands an address to C: only tune_allocator's .Call is registered", {
  routines <- getDLLRegisteredRoutines("cntkr")$.Call
  expect_identical(names(routines), "cntkr_tune_malloc")
})
