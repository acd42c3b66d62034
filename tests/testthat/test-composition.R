# Composition, normalization, dropout and the Function API from R: training mode through
# func_forward/func_backward, names inside composites, For, clone, graph ops, bad arguments.

test_that("BatchNormalization: func_eval is inference, func_forward with keep_for_backward trains", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3), needs_gradient = TRUE)
  layer <- BatchNormalization(map_rank = 1, normalization_time_constant = 10)
  f <- layer(x)
  xv <- array(rnorm(4 * 2 * 3), c(4, 2, 3))
  func_eval(f, xv)
  expect_equal(as.numeric(layer$aggregate_count$value), 0)
  fw <- func_forward(f, xv, keep_for_backward = list(f))
  expect_equal(as.numeric(layer$aggregate_count$value), 4)
  means <- apply(xv, 2, mean)
  expect_equal(as.numeric(layer$aggregate_mean$value), means, tolerance = 1e-5)
  expect_identical(dim(fw$outputs), c(4L, 2L, 3L))
  g <- func_backward(f, fw$state, array(1, c(4, 2, 3)), list(x, layer$scale))
  expect_identical(dim(g[[1]]), c(4L, 2L, 3L))
  expect_equal(length(g[[2]]), 2)
  expect_null(func_forward(f, xv)$state)
})

test_that("Dropout drops in training mode only", {
  skip_if_no_cntkr()
  set_fixed_random_seed(1234)
  x <- op_input_variable(c(50, 40), needs_gradient = TRUE)
  f <- Dropout(0.25)(x)
  ones <- array(1, c(2, 50, 40))
  expect_equal(func_eval(f, ones), ones)
  y <- func_forward(f, ones, keep_for_backward = list(f))$outputs
  expect_lt(abs(mean(y != 0) - 0.75), 0.03)
  expect_equal(unique(y[y != 0]), 1 / 0.75, tolerance = 1e-6)
  expect_equal(Dropout(keep_prob = 0.8)(x)$attributes$dropoutRate, 0.2, tolerance = 1e-12)
})

test_that("Sequential and For: named layers are reachable, ops and R functions compose", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(3, 4))
  z <- Sequential(LayerNormalization(name = "norm"), list(Dropout(0.5, name = "drop")), op_relu,
                  function(v) op_alias(v), Label("out"))(x)
  expect_identical(z$name, "out")
  expect_identical(dim(z$norm$scale$value), 4L)
  expect_identical(z$drop$op_name, "Dropout")
  expect_identical(func_find_by_name(z, "norm")$op_name, "LayerNormalization")
  expect_null(func_find_by_name(z, "nothing"))
  expect_length(func_find_all_with_name(z, "scale"), 1)
  f <- For(1:3, function(i) Dropout(0.1 * i))(x)
  expect_equal(f$attributes$dropoutRate, 0.3, tolerance = 1e-12)
  g <- For(1:2, function() LayerNormalization())(x)
  expect_length(g$parameters, 4)
  expect_identical(f %>% func_eval(array(1, c(1, 3, 4))) %>% dim(), c(1L, 3L, 4L))
})

test_that("func_clone shares, clones or freezes parameters and substitutes inputs", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  f <- LayerNormalization()(x)
  y <- op_input_variable(3)
  expect_length(func_clone(f, CloneMethod("freeze"), dict(x = y))$parameters, 0)
  expect_length(func_clone(f, CloneMethod("clone"))$parameters, 2)
  expect_length(func_clone(f, "share", dict(x = y))$parameters, 2)
})

test_that("graph ops: op_alias, op_stop_gradient, op_batch_normalization, op_dropout", {
  skip_if_no_cntkr()
  x <- op_input_variable(2, needs_gradient = TRUE)
  expect_identical(op_alias(x, name = "a")$name, "a")
  g <- func_grad(op_stop_gradient(x) * x, matrix(c(1, 2), 1, 2), wrt = list(x))
  expect_equal(as.numeric(g), c(1, 2))
  bn <- op_batch_normalization(x, op_parameter(2, init = 1), op_parameter(2, init = 0),
                               op_constant(0, 2), op_constant(1, 2), spatial = FALSE)
  expect_equal(as.numeric(func_eval(bn, matrix(c(1, 2), 1, 2))), c(1, 2) / sqrt(1 + 1e-5),
               tolerance = 1e-6)
  expect_equal(func_eval(op_dropout(x, 0.5), matrix(1, 1, 2)), matrix(1, 1, 2))
})

test_that("bad arguments name the argument", {
  skip_if_no_cntkr()
  expect_error(Dropout(), "dropout_rate or keep_prob")
  expect_error(Dropout(1), "dropout_rate")
  expect_value_error(Dropout(0.5, seed = -1), "`seed` must be a whole number >= 0")
  expect_value_error(BatchNormalization(epsilon = "a"), "`epsilon`")
  expect_value_error(BatchNormalization(normalization_time_constant = -1),
                     "`normalization_time_constant` must be a number >= 0")
  expect_error(BatchNormalization(map_rank = 2), "map_rank")
  expect_value_error(LayerNormalization(initial_scale = "a"), "`initial_scale`")
  expect_value_error(For(1:2, 3), "`constructor` must be a function")
  expect_value_error(For(c(1.5), function(i) Dropout(0.1)), "`range` must hold whole numbers")
  expect_value_error(Sequential(3), "`...` must hold layers or functions")
  expect_value_error(CloneMethod("deep"), "`value` must be")
  expect_error(Label(""), "name")
})

test_that("placeholders are replaced in place, shapes inferred then", {
  skip_if_no_cntkr()
  p <- op_placeholder(name = "p")
  f <- op_relu(p)
  x <- op_input_variable(3)
  g <- func_replace_placeholders(f, dict(p = x))
  expect_identical(dim(f), 3L)
  expect_equal(as.numeric(func_eval(g, matrix(c(-1, 0, 2), 1, 3))), c(0, 0, 2))
  h <- func_replace_placeholder(op_sigmoid(op_placeholder(2)), op_input_variable(2))
  expect_identical(dim(h), 2L)
  expect_error(func_replace_placeholder(op_relu(x), x), "placeholders")
})

test_that("op_combine evaluates every output", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  f <- op_combine(list(op_relu(x), op_negate(x)))
  y <- func_eval(f, matrix(c(-1, 0, 2), 1, 3))
  expect_length(y, 2)
  expect_equal(as.numeric(y[[1]]), c(0, 0, 2))
  expect_equal(as.numeric(y[[2]]), c(1, 0, -2))
  expect_value_error(op_combine(list()), "`operands` must be a list")
})

test_that("%>% pipes values and composes layers as CNTK-R's scripts do", {
  skip_if_no_cntkr()
  x <- op_input_variable(3)
  xv <- matrix(c(-1, 0, 2), 1, 3)
  expect_equal(x %>% op_relu() %>% func_eval(xv), func_eval(op_relu(x), xv))
  model <- LayerNormalization(name = "ln") %>% op_relu
  z <- model(x)
  expect_identical(z$ln$op_name, "LayerNormalization")
  expect_identical(z$op_name, "ReLU")
  z2 <- (LayerNormalization() %>% Activation(op_tanh)())(x)
  expect_identical(z2$op_name, "Tanh")
})
