# R arrays cross to Python and back through cntkr_py/_r_bridge.py: column-major
# float64 in, C-order arrays of the input's dtype on the Python side, and back.
# Arrays of 16384 values or more take a different (torch) path than smaller
# ones; both must keep x[i, j, k] == a[i - 1, j - 1, k - 1] (a batch and its
# samples one by one may differ in the last bits: other convolution kernels).

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

test_that("integer and logical inputs are read as numbers, NA is rejected on both paths", {
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
  v[1, 50, 150] <- Inf
  v[1, 1, 1] <- -Inf
  expect_identical(func_eval(activation_identity(big), v), v)
})

# The layout passes are C (src/layout.c: cntkr_r_to_c through ctypes, cntkr_from_c
# through .Call) when the package's library is loaded, torch/NumPy otherwise;
# both must give the same arrays.
with_python_layout <- function(code) {
  module <- cntkr:::py_handles$bridge_module
  reticulate::py_call(reticulate::py_get_attr(module, "use_native"), NULL)
  assign("native", FALSE, envir = cntkr:::py_handles)
  on.exit(assign("native", cntkr:::use_native_layout(module), envir = cntkr:::py_handles))
  force(code)
}

# func_eval()/func_grad() call the bridge straight from C (src/pycall.c) when
# they can; this runs `code` through reticulate's py_call() instead.
without_direct_call <- function(code) {
  assign("direct", FALSE, envir = cntkr:::py_handles)
  on.exit(assign("direct", TRUE, envir = cntkr:::py_handles))
  force(code)
}

test_that("the C layout passes are in use and agree with torch/NumPy on every rank", {
  skip_if_no_cntkr()
  func_eval(activation_identity(op_input_variable(1)), array(1, c(1, 1)))  # loads the bridge
  expect_true(cntkr:::py_handles$native)
  shapes <- list(
    c(3, 1), c(9, 17), c(2, 3, 5), c(13, 1, 9, 10), c(3, 2, 9, 4, 11), c(2, 3, 4, 5, 6, 7),
    c(64, 64, 16, 16), c(1, 3, 37, 29)
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
      expect_identical(without_direct_call(func_eval(f, v)), y)
      expect_identical(without_direct_call(func_grad(f, v, wrt = x)), g)
      a <- cntkr:::as_numpy_array(v, dtype)
      expect_identical(reticulate::py_to_r(a), v)
    }
  }
  expect_true(cntkr:::py_handles$native)
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
  x <- op_input_variable(c(3, 4, 5), dtype = "float64", needs_gradient = TRUE)
  h <- op_relu(x)
  f <- op_tanh(h)
  set.seed(3)
  v <- array(rnorm(2 * 3 * 4 * 5), c(2, 3, 4, 5))
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

test_that("unloading the package stops the bridge from calling its library", {
  skip_if_no_cntkr()
  # in a fresh R: load, use, unload, then use the bridge from Python directly
  script <- tempfile(fileext = ".R")
  writeLines(c(
    "suppressPackageStartupMessages(library(cntkr))",
    "x <- op_input_variable(c(2, 3))",
    "v <- array(1:12 / 4, c(2, 2, 3))",
    "stopifnot(identical(func_eval(op_relu(x), v), v))",
    "f <- op_relu(x)",
    "bridge <- reticulate::import('cntkr_py._r_bridge')",
    "unloadNamespace('cntkr')",
    "stopifnot(is.null(bridge$`_r_to_c`))",
    "big <- array(1:4800 / 4, c(4, 40, 30))  # past the size where the C pass would be used",
    "stopifnot(identical(bridge$from_r(big), big))",
    "cat('unloaded fine\\n')"
  ), script)
  out <- system2(file.path(R.home("bin"), "Rscript"), script, stdout = TRUE, stderr = TRUE)
  expect_true(any(grepl("unloaded fine", out)), info = paste(out, collapse = "\n"))
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

test_that("func_eval and func_grad call the bridge from C, alike to reticulate's call", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 5, 4), needs_gradient = TRUE)
  layer <- ConvolutionTranspose(c(3, 2), num_filters = 2, init = init_uniform(1, seed = 3))
  h <- layer(x)
  f <- op_tanh(h)
  set.seed(4)
  v <- array(rnorm(2 * 3 * 5 * 4), c(2, 3, 5, 4))
  run <- function() {
    list(
      eval = func_eval(f, v),
      outputs = func_eval(f, v, outputs = list(h, f)),
      one_output = func_eval(f, v, outputs = list(h)),
      dict = func_eval(f, dict(x = v)),
      by_name = func_eval(f, stats::setNames(list(v), x$name)),
      integer = func_eval(f, array(1:120, c(2, 3, 5, 4))),
      grad = func_grad(f, v, wrt = list(x, layer$W, layer$b)),
      grad_one = func_grad(f, v, wrt = layer$W),
      grad_default = func_grad(f, v),
      grad_root = func_grad(f, v, wrt = list(layer$W), grad_root = h)
    )
  }
  expect_true(cntkr:::py_handles$direct)
  direct <- run()
  expect_identical(without_direct_call(run()), direct)
  expect_identical(direct$outputs[[2]], direct$eval)
  expect_identical(direct$one_output, direct$outputs[[1]])
  expect_identical(direct$dict, direct$eval)
  expect_identical(direct$by_name, direct$eval)
  expect_identical(direct$grad_default, direct$grad[[1]])
  # R vectors without dim (a sample without its batch axis; a single number)
  v3 <- op_input_variable(3)
  v1 <- op_input_variable(1)
  expect_identical(func_eval(op_relu(v3), c(1, -2, 3)), array(c(1, 0, 3), c(1, 3)))
  expect_identical(without_direct_call(func_eval(op_relu(v3), c(1, -2, 3))), array(c(1, 0, 3), c(1, 3)))
  expect_identical(func_eval(op_relu(v1), array(-2L, c(1, 1))), array(0, c(1, 1)))
  scalar_error <- tryCatch(func_eval(op_relu(v1), 2), error = conditionMessage)
  expect_match(scalar_error, "must have shape (batch, 1), got ()", fixed = TRUE)
  expect_identical(without_direct_call(tryCatch(func_eval(op_relu(v1), 2), error = conditionMessage)),
                   scalar_error)
  # with outputs, func_grad takes reticulate's path: same numbers
  both <- func_grad(f, v, wrt = list(layer$W), outputs = list(f))
  expect_identical(both$gradients, direct$grad[[2]])
  expect_identical(both$outputs, direct$eval)
  expect_true(cntkr:::py_handles$direct)
})

test_that("the C call reports bad input as R errors, and leaves other cases to reticulate", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3), needs_gradient = TRUE)
  f <- op_relu(x)
  v <- array(1, c(1, 2, 3))
  v[1, 2, 2] <- NA
  expect_value_error(func_eval(f, v), "`arguments` must not contain NA.")
  expect_value_error(func_grad(f, v), "`at` must not contain NA.")
  # a Python exception: the C call gives up (NULL), reticulate's call raises it as always
  bad <- array(1, c(1, 3, 2))
  fn <- cntkr:::bridge_function("eval_c")
  expect_null(.Call(cntkr:::cntkr_py_call, fn, list(f, bad, NULL, NULL, "arguments")))
  direct_error <- tryCatch(func_eval(f, bad), error = conditionMessage)
  reticulate_error <- tryCatch(without_direct_call(func_eval(f, bad)), error = conditionMessage)
  expect_match(direct_error, "must have shape (batch, 2, 3), got (1, 3, 2)", fixed = TRUE)
  expect_identical(direct_error, reticulate_error)
  # arguments of kinds the C call does not convert: NULL back, nothing called
  ok <- array(1, c(1, 2, 3))
  expect_null(.Call(cntkr:::cntkr_py_call, fn, list(f, ok, NULL, NULL, function() 1)))
  expect_null(.Call(cntkr:::cntkr_py_call, fn, list(f, structure(ok, class = "foo"), NULL, NULL, "a")))
  expect_null(.Call(cntkr:::cntkr_py_call, fn, list(f, ok, list(f, 1), NULL, "a")))
  # a Python object whose pointer is gone (restored from a saved session)
  stale <- unserialize(serialize(f, NULL))
  expect_null(.Call(cntkr:::cntkr_py_call, fn, list(stale, ok, NULL, NULL, "a")))
  expect_null(.Call(cntkr:::cntkr_py_call, stale, list(f, ok, NULL, NULL, "a")))
  # and the good call still works afterwards
  expect_identical(.Call(cntkr:::cntkr_py_call, fn, list(f, ok, NULL, NULL, "a")), ok)
})
