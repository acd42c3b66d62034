# func_save / func_load / func_restore (R/model-files.R): models move between R
# and Python through the files with identical outputs; names and values survive;
# bad arguments and files are refused naming them.

model_input <- function() {
  d <- c(2, 3, 6, 6)
  array(seq_len(prod(d)) / prod(d), d)
}

build_model <- function() {
  x <- op_input_variable(c(3, 6, 6), name = "img", needs_gradient = TRUE)
  Sequential(
    Convolution2D(c(3, 3), 4, activation = op_relu, pad = TRUE, name = "conv"),
    BatchNormalization(map_rank = 1),
    MaxPooling(c(2, 2), strides = 2),
    Dense(3, name = "out")
  )(x)
}

test_that("a model saved from R loads in R with identical outputs, names and statistics", {
  skip_if_no_cntkr()
  model <- build_model()
  xv <- model_input()
  func_grad(model, xv + 1) # training mode: BatchNormalization's running statistics move
  path <- tempfile(fileext = ".cntkr")
  on.exit(unlink(path))
  expect_null(func_save(model, path))
  loaded <- func_load(path)
  y <- func_eval(loaded, xv)
  expect_identical(y, func_eval(model, xv))
  expect_identical(loaded$conv$W$value, model$conv$W$value)
  expect_identical(loaded$aggregate_count$value, model$aggregate_count$value)
  expect_identical(loaded$arguments[[1]]$name, "img")
  g1 <- func_grad(model, xv, wrt = list(model$out$W))
  g2 <- func_grad(loaded, xv, wrt = list(loaded$out$W))
  expect_identical(g2, g1)
  # from the file's bytes, onto the CPU (func_grad() above moved the statistics
  # of the models in memory, not the file's)
  bytes <- readBin(path, "raw", file.size(path))
  expect_identical(func_eval(func_load(bytes, device = cpu_descriptor()), xv), y)
})

test_that("a model moves R -> Python -> R through the files with identical outputs", {
  skip_if_no_cntkr()
  dir <- tempfile("models")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE))
  model <- build_model()
  xv <- model_input()
  func_save(model, file.path(dir, "r.model"))
  writeBin(as.double(func_eval(model, xv)), file.path(dir, "r_y.bin"))
  # a fresh Python process: loads R's model, checks R's output bit for bit and
  # that saving it again gives the same bytes, then halves every parameter and
  # saves the model and its new output for R
  script <- file.path(dir, "check.py")
  writeLines(c(
    "import sys, numpy as np, cntkr_py as C",
    "d = sys.argv[1]",
    "n = 2 * 3 * 6 * 6",
    "x = (np.arange(1, n + 1) / n).reshape((2, 3, 6, 6), order='F')",
    "m = C.load_model(d + '/r.model')",
    "y = np.asarray(m.eval(x.astype(np.float32)), np.float64)",
    "r_y = np.fromfile(d + '/r_y.bin').reshape(y.shape, order='F')",
    "assert y.tobytes() == r_y.tobytes(), 'outputs differ'",
    "m.save(d + '/again.model')",
    "assert open(d + '/again.model', 'rb').read() == open(d + '/r.model', 'rb').read()",
    "for p in m.parameters: p.value = p.value * 0.5",
    "m.save(d + '/py.model')",
    "np.asarray(m.eval(x.astype(np.float32)), np.float64).ravel(order='F').tofile(d + '/py_y.bin')",
    "print('ok')"
  ), script)
  out <- system2(reticulate::py_exe(), c(shQuote(script), shQuote(dir)), stdout = TRUE, stderr = TRUE)
  expect_identical(tail(out, 1), "ok")
  from_py <- func_load(file.path(dir, "py.model"))
  y <- func_eval(from_py, xv)
  py_y <- array(readBin(file.path(dir, "py_y.bin"), "double", length(y)), dim(y))
  expect_identical(as.double(y), as.double(py_y))
  expect_identical(from_py$out$W$value, model$out$W$value * 0.5)
  # restore copies the Python-saved values into R's model, in place
  func_restore(model, file.path(dir, "py.model"))
  expect_identical(func_eval(model, xv), y)
})

test_that("model file arguments and bad files are refused, naming them", {
  skip_if_no_cntkr()
  model <- build_model()
  expect_value_error(func_save(model, c("a", "b")), "`filename` must be a file path")
  expect_value_error(func_save(model, NA_character_), "`filename` must be a file path")
  expect_value_error(func_save("model", tempfile()), "`func` must be a cntkr Function")
  expect_value_error(func_load(3), "`model` must be a file path")
  missing <- file.path(tempdir(), "no-such.model")
  expect_value_error(func_load(missing), paste("Cannot load the model", missing))
  garbage <- tempfile()
  on.exit(unlink(garbage))
  writeLines("not a model", garbage)
  expect_value_error(func_load(garbage), paste0(garbage, ": not a cntkr model file"))
  expect_value_error(func_restore(model, garbage), paste0(garbage, ": not a cntkr model file"))
})
