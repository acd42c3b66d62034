test_that("a layer is callable and exposes W and b through $", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 4, 4))
  layer <- ConvolutionTranspose(c(2, 2), num_filters = 5)
  f <- layer(x)
  expect_s3_class(f, "cntkr_object")
  expect_identical(dim(f), c(5L, 5L, 5L))
  expect_identical(unlist(f$shape), c(5L, 5L, 5L))
  expect_identical(dim(layer$W$value), c(3L, 5L, 2L, 2L))
  expect_identical(dim(layer$b$value), c(5L, 1L, 1L))
  expect_length(f$parameters, 2)
  expect_length(f$arguments, 1)
  expect_output(print(f), "ConvolutionTranspose")
})

test_that("layer$W$value <- array sets the weights, same indexing", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3))
  layer <- ConvolutionTranspose(2, num_filters = 1, bias = FALSE)
  f <- layer(x)
  W <- array(c(1, 2, 3, 4), c(2, 1, 2))
  layer$W$value <- W
  expect_identical(layer$W$value, W)
  # y[c, j] = sum_i sum_k x[i, j - k] W[i, c, k]: check one batch by hand
  xv <- array(c(1, 0, 0, 0, 0, 0), c(1, 2, 3))
  y <- func_eval(f, xv)
  expect_identical(dim(y), c(1L, 1L, 4L))
  expect_equal(as.numeric(y), c(W[1, 1, 1], W[1, 1, 2], 0, 0))
})

test_that("init takes a number, an R array of W's shape or an initializer", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3))
  l1 <- ConvolutionTranspose(2, num_filters = 3, init = 0.25)
  l1(x)
  expect_true(all(l1$W$value == 0.25))
  W <- array(seq_len(12) / 10, c(2, 3, 2))
  l2 <- ConvolutionTranspose(2, num_filters = 3, init = W)
  l2(x)
  expect_equal(l2$W$value, W, tolerance = 1e-7)
  l3 <- ConvolutionTranspose(2, num_filters = 3, init = init_uniform(0.1, seed = 3))
  l3(x)
  expect_true(all(abs(l3$W$value) <= 0.1))
})

test_that("activation takes an R function built from cntkr ops", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 3))
  layer <- ConvolutionTranspose(1, num_filters = 1, init = 1, bias = FALSE,
                                activation = function(v) op_relu(v) * 2)
  f <- layer(x)
  expect_equal(as.numeric(func_eval(f, array(c(-1, 0, 3), c(1, 1, 3)))), c(0, 0, 6))
})

test_that("func_eval takes an array, dict() (by R variable, else by name), a named or an unnamed list", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 3), name = "features")
  f <- ConvolutionTranspose(2, num_filters = 1, init = 1, bias = FALSE)(x)
  xv <- array(c(1, 2, 3), c(1, 1, 3))
  expected <- array(c(1, 3, 5, 3), c(1, 1, 4))
  expect_equal(func_eval(f, xv), expected)
  expect_equal(func_eval(f, dict(x = xv)), expected)        # `x` is an R variable: the Variable
  expect_equal(func_eval(f, dict(features = xv)), expected) # no R variable `features`: the name
  features <- 5 # an R variable that holds no Variable: the name again (as CNTK-R's dict())
  expect_equal(func_eval(f, dict(features = xv)), expected)
  d <- dict(x = xv)
  expect_s3_class(d, "python.builtin.dict")
  expect_equal(func_eval(f, d), expected) # a dict can be used again
  expect_equal(func_eval(f, list(features = xv)), expected)
  expect_equal(func_eval(f, list(xv)), expected)
  expect_s3_class(func_eval(f, xv, as_matrix = FALSE), "python.builtin.object")
})

test_that("func_grad returns one array for one wrt, else a list in wrt order", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 3), needs_gradient = TRUE)
  layer <- ConvolutionTranspose(2, num_filters = 1, init = 1)
  f <- layer(x)
  xv <- array(c(1, 2, 3), c(1, 1, 3))
  gW <- func_grad(f, xv, wrt = layer$W)
  expect_identical(dim(gW), c(1L, 1L, 2L))
  expect_equal(as.numeric(gW), c(6, 6))
  g <- func_grad(f, xv, wrt = list(x, layer$b, layer$W))
  expect_length(g, 3)
  expect_equal(as.numeric(g[[1]]), c(2, 2, 2))
  expect_equal(as.numeric(g[[2]]), 4)
  expect_equal(g[[3]], gW)
  expect_equal(func_grad(f, xv), func_grad(f, xv, wrt = list(x)))
  expect_identical(dim(func_grad(f, xv, wrt = list(x))), c(1L, 1L, 3L))
})

test_that("float64 inputs stay float64", {
  skip_if_no_cntkr()
  x <- op_input_variable(2, dtype = "float64")
  f <- op_tanh(x)
  v <- matrix(c(0.1, 1e-12), 1, 2)
  expect_equal(func_eval(f, v), tanh(v), tolerance = 1e-15)
})

test_that("activations compute what they say", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  v <- matrix(c(-2, 0, 1.5), 1, 3)
  expect_equal(func_eval(activation_identity(x), v), v, tolerance = 1e-6)
  expect_equal(func_eval(op_relu(x), v), pmax(v, 0), tolerance = 1e-6)
  expect_equal(func_eval(op_sigmoid(x), v), 1 / (1 + exp(-v)), tolerance = 1e-6)
  expect_equal(func_eval(op_tanh(x), v), tanh(v), tolerance = 1e-6)
  expect_equal(func_eval(op_softmax(x), v), exp(v) / sum(exp(v)), tolerance = 1e-6)
  expect_equal(func_eval(op_elu(x), v), ifelse(v > 0, v, exp(v) - 1), tolerance = 1e-6)
  expect_equal(func_eval(op_elu(x, 0.5), v), ifelse(v > 0, v, 0.5 * (exp(v) - 1)), tolerance = 1e-6)
  expect_equal(func_eval(op_leaky_relu(x), v), ifelse(v > 0, v, 0.01 * v), tolerance = 1e-6)
  expect_equal(func_eval(op_softplus(x), v), log1p(exp(v)), tolerance = 1e-6)
  expect_equal(func_eval(op_softplus(x, steepness = 2), v), log1p(exp(2 * v)) / 2, tolerance = 1e-6)
})

test_that("parameters and constants take R values", {
  skip_if_no_cntkr()
  p <- op_parameter(c(2, 3), init = 0.5)
  expect_equal(p$value, matrix(0.5, 2, 3))
  m <- matrix(1:6, 2, 3)
  p$value <- m
  expect_equal(p$value, m)
  expect_equal(op_parameter(init = m)$value, m)
  k <- op_constant(m)
  expect_identical(dim(k), c(2L, 3L))
  expect_equal(k$value, m)
  expect_equal(op_constant(2, shape = c(2, 2))$value, matrix(2, 2, 2))
})

test_that("initializers and devices come from Python", {
  skip_if_no_cntkr()
  for (init in list(init_glorot_uniform(), init_glorot_normal(), init_he_uniform(), init_he_normal(),
                    init_xavier(), init_normal(), init_uniform(1), init_truncated_normal(0.1, seed = 1))) {
    expect_s3_class(init, "cntkr_object")
  }
  expect_identical(SentinelValueForInferParamInitRank, 2147483647L)
  cpu <- cpu_descriptor()
  expect_s3_class(cpu, "cntkr_object")
  expect_true(length(all_devices()) >= 1)
  expect_true(try_set_default_device(cpu))
  expect_output(print(use_default_device()), "CPU")
})

test_that("func_grad with outputs returns gradients and output values", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 3), needs_gradient = TRUE)
  layer <- ConvolutionTranspose(2, num_filters = 1, init = 1, bias = FALSE)
  f <- layer(x)
  xv <- array(c(1, 2, 3), c(1, 1, 3))
  res <- func_grad(f, xv, wrt = list(layer$W, x), outputs = list(f))
  expect_named(res, c("gradients", "outputs"))
  expect_length(res$gradients, 2)
  expect_equal(res$outputs, func_eval(f, xv))
})

test_that("gpu_descriptor gives a GPU where torch sees one, else Python's error", {
  skip_if_no_cntkr()
  n_gpu <- length(all_devices()) - 1
  if (n_gpu > 0) {
    gpu <- gpu_descriptor(0)
    expect_output(print(gpu), "GPU")
    x <- op_input_variable(c(1, 3))
    f <- ConvolutionTranspose(2, num_filters = 1, init = 1, bias = FALSE)(x)
    expect_equal(as.numeric(func_eval(f, array(c(1, 2, 3), c(1, 1, 3)), device = gpu)), c(1, 3, 5, 3))
  } else {
    expect_error(gpu_descriptor(0), "GPU device id \\(0\\) is invalid")
  }
})

test_that("set_fixed_random_seed() makes random initial values reproducible; set.seed() does not", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 5, 5))
  make <- function() {
    layer <- ConvolutionTranspose(c(3, 3), num_filters = 4)
    layer(x)
    list(W = layer$W$value, p = op_parameter(c(2, 3), init = init_normal())$value)
  }
  set_fixed_random_seed(42)
  a <- make()
  set_fixed_random_seed(42)
  b <- make()
  expect_identical(a, b)
  set_fixed_random_seed(43)
  expect_false(identical(make()$W, a$W))
  expect_value_error(set_fixed_random_seed(-1), "`seed` must be whole numbers >= 0, not -1.")
  expect_value_error(set_fixed_random_seed(1.5), "`seed` must be whole numbers >= 0, not 1.5.")
  # an initializer's own seed fixes its values whatever was drawn before
  W1 <- { l <- ConvolutionTranspose(c(3, 3), 4, init = init_glorot_uniform(seed = 1)); l(x); l$W$value }
  runif(1); set_fixed_random_seed(7)
  W2 <- { l <- ConvolutionTranspose(c(3, 3), 4, init = init_glorot_uniform(seed = 1)); l(x); l$W$value }
  expect_identical(W1, W2)
})

test_that("num_filters = NULL keeps a depth axis of size 1 (as CNTK does, see ?ConvolutionTranspose)", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 5, 5))
  layer <- ConvolutionTranspose(c(3, 3))
  f <- layer(x)
  expect_identical(dim(f), c(1L, 7L, 7L))
  expect_identical(dim(layer$W$value), c(1L, 3L, 3L))
  expect_identical(dim(func_eval(f, array(0, c(2, 1, 5, 5)))), c(2L, 1L, 7L, 7L))
  z <- op_input_variable(c(5, 5))
  expect_identical(dim(ConvolutionTranspose(c(3, 3), reduction_rank = 0)(z)), c(1L, 7L, 7L))
})

test_that("print() and dim() work on every kind of cntkr object", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3), name = "feat")
  expect_output(print(x), "feat")
  expect_identical(dim(x), c(2L, 3L))
  expect_output(print(ConvolutionTranspose(3)), ".")
  expect_null(dim(cpu_descriptor()))
  expect_output(print(init_uniform(1, seed = 2)), "uniform")
})
