# Golden cases from real CNTK 2.7 (tests/goldens, format: tests/goldens/FORMAT.md): reading
# them and running them through the R API.

# The golden files live in the source tree at tests/goldens (beside the
# Python tests). CNTKR_GOLDENS overrides; from an installed or checked copy
# of the package they are found through the source tree when it is there.
goldens_dir <- function() {
  candidates <- c(
    Sys.getenv("CNTKR_GOLDENS"),
    testthat::test_path("..", "goldens"),
    file.path(Sys.getenv("CNTKR_SOURCE"), "tests", "goldens")
  )
  for (dir in candidates[nzchar(candidates)]) {
    if (dir.exists(file.path(dir, "convtranspose"))) {
      return(normalizePath(dir))
    }
  }
  NULL
}

golden_cases <- function() {
  dir <- goldens_dir()
  if (is.null(dir)) {
    return(character())
  }
  sort(list.files(file.path(dir, "convtranspose"), pattern = "[.]json$", full.names = TRUE))
}

read_golden <- function(path) {
  jsonlite::fromJSON(path, simplifyVector = FALSE)
}

# A golden array ({shape, dtype, data}, row-major) as an R array.
golden_array <- function(a) {
  if (is.null(a)) {
    return(NULL)
  }
  reticulate::array_reshape(as.numeric(unlist(a$data)), as.integer(unlist(a$shape)))
}

golden_activations <- list(
  identity = activation_identity, relu = op_relu, sigmoid = op_sigmoid,
  tanh = op_tanh, softmax = op_softmax, elu = op_elu,
  leaky_relu = op_leaky_relu, softplus = op_softplus
)

# The case's layer arguments as an R user writes them: vectors, NULL, logicals.
golden_layer_args <- function(case, r_activation = FALSE) {
  args <- lapply(case$layer, function(v) if (is.list(v)) unlist(v) else v)
  if (!is.null(args$activation)) {
    fn <- golden_activations[[args$activation]]
    args$activation <- if (r_activation) function(v) fn(v) else fn
  }
  args
}

golden_tolerance <- function(dtype) {
  if (identical(dtype, "float64")) 1e-10 else 1e-5
}

# |actual - expected| <= tol + tol * |expected|, elementwise (numpy's allclose
# with rtol = atol = tol), and identical dims.
expect_close <- function(actual, expected, tol, label = "value") {
  expect_identical(dim(actual), dim(expected), label = paste("dim of", label))
  diff <- abs(as.numeric(actual) - as.numeric(expected))
  bound <- tol + tol * abs(as.numeric(expected))
  worst <- if (length(diff)) max(diff - bound) else -Inf
  expect(
    length(diff) == length(bound) && all(diff <= bound),
    sprintf("%s differs from the golden: max excess %.3g over tol %.1g", label, worst, tol)
  )
}

# Runs one golden case through the R API; returns nothing, expects.
check_golden_case <- function(path, r_activation = FALSE) {
  case <- read_golden(path)
  tol <- golden_tolerance(case$dtype)
  x <- op_input_variable(unlist(case$input_shape), dtype = case$dtype, needs_gradient = TRUE)
  layer <- do.call(ConvolutionTranspose, golden_layer_args(case, r_activation))
  f <- layer(x)
  layer$W$value <- golden_array(case$W)
  if (!is.null(case$b)) {
    layer$b$value <- golden_array(case$b)
  }
  xv <- golden_array(case$x)
  expect_close(func_eval(f, xv), golden_array(case$y), tol, paste(case$id, "y"))
  if (is.null(case$b)) {
    grads <- func_grad(f, xv, wrt = list(layer$W, x))
    names(grads) <- c("W", "x")
  } else {
    grads <- func_grad(f, xv, wrt = list(layer$W, layer$b, x))
    names(grads) <- c("W", "b", "x")
    expect_close(grads$b, golden_array(case$grad_b), tol, paste(case$id, "grad_b"))
  }
  expect_close(grads$W, golden_array(case$grad_W), tol, paste(case$id, "grad_W"))
  expect_close(grads$x, golden_array(case$grad_x), tol, paste(case$id, "grad_x"))
  # a list of one gives the bare array, as in CNTK
  expect_close(func_grad(f, xv, wrt = list(layer$W)), golden_array(case$grad_W), tol,
               paste(case$id, "grad_W alone"))
}
