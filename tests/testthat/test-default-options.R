# default_options() / default_options_for() from R: layers built inside with() take the
# overridden defaults, explicit arguments win, inner scopes win, bad options are named.

test_that("layers built inside with(default_options(...)) take its defaults", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 5, 5))
  v <- op_input_variable(3)
  built <- with(default_options(activation = op_relu, pad = TRUE, init = 1, bias = FALSE), {
    list(conv = Convolution2D(c(3, 3), 2), pool = MaxPooling(c(3, 3), strides = 2),
         dense = Dense(2), dense_linear = Dense(2, activation = activation_identity),
         dense_bias = Dense(2, bias = TRUE))
  })
  expect_equal(unlist(built$conv(x)$shape), c(2, 5, 5))
  expect_equal(unlist(built$pool(x)$shape), c(1, 3, 3))
  expect_null(built$conv$b)
  expect_equal(as.numeric(built$conv$W$value), rep(1, 18))
  xv <- matrix(c(-1, -2, 0.5), 1, 3)
  expect_equal(as.numeric(func_eval(built$dense(v), xv)), c(0, 0))
  expect_equal(as.numeric(func_eval(built$dense_linear(v), xv)), c(-2.5, -2.5))
  expect_false(is.null(built$dense_bias$b))
  # outside the scope: CNTK's defaults again
  expect_equal(unlist(Convolution2D(c(3, 3), 2)(x)$shape), c(2, 3, 3))
  expect_false(is.null(Dense(2)$b))
})

test_that("inner default_options win; default_options_for reaches only its layers", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 5, 5))
  layers <- with(default_options(pad = TRUE), {
    with(default_options_for(list(Convolution2D), pad = FALSE, bias = FALSE), {
      list(conv = Convolution2D(c(3, 3), 1), pool = MaxPooling(c(3, 3)), dense = Dense(2))
    })
  })
  expect_equal(unlist(layers$conv(x)$shape), c(1, 3, 3))
  expect_null(layers$conv$b)
  expect_equal(unlist(layers$pool(x)$shape), c(1, 5, 5))
  expect_false(is.null(layers$dense$b))
  x2 <- op_input_variable(c(2, 5, 5))
  bn <- with(default_options_for(BatchNormalization, epsilon = 0.5, map_rank = 1),
             BatchNormalization())
  explicit <- BatchNormalization(epsilon = 0.5, map_rank = 1)
  xv <- array(rnorm(2 * 50), c(2, 2, 5, 5))
  expect_equal(func_eval(bn(x2), xv), func_eval(explicit(x2), xv))
  expect_false(isTRUE(all.equal(func_eval(bn(x2), xv), func_eval(BatchNormalization()(x2), xv))))
  expect_equal(length(bn$scale$value), 2)
})

test_that("default_options rejects bad options, naming them", {
  skip_if_no_cntkr()
  expect_value_error(default_options(pad = "yes"), "`pad` must be TRUE, FALSE")
  expect_value_error(default_options(activation = 3), "`activation` must be a function")
  expect_value_error(default_options(strides = 2), "`strides` is not a layer option")
  expect_value_error(default_options(TRUE), "must be named")
  expect_value_error(default_options_for(op_relu, pad = TRUE), "`functions` must hold layer functions")
  expect_value_error(default_options_for("Dense", pad = TRUE), "`functions` must be a layer function")
})

test_that("default_override_or, get_default_override, is_default_override, global options", {
  skip_if_no_cntkr()
  d <- default_override_or(TRUE)
  expect_true(is_default_override(d))
  expect_false(is_default_override(TRUE))
  expect_true(get_default_override(Dense, bias = d))
  expect_false(with(default_options(bias = FALSE), get_default_override(Dense, bias = d)))
  expect_false(with(default_options_for(Dense, bias = FALSE), get_default_override(NULL, bias = d)))
  expect_identical(get_default_override(NULL, bias = 3), 3)
  expect_equal(get_global_option("r_audit_option", 0), 0)
  set_global_option("r_audit_option", 2)
  expect_equal(get_global_option("r_audit_option", 0), 2)
  expect_value_error(get_default_override(Dense, 1), "one named argument")
  expect_value_error(get_global_option(3, 0), "`key` must be a single string")
})
