# Convolution and pooling from R: shapes and parameters as CNTK 2.7 makes them, the pooling op's
# values as measured with CNTK 2.7, and bad arguments rejected with errors naming the R argument.
# (Every layer's numbers against CNTK 2.7: the golden cases, test-goldens.R.)

test_that("Convolution layers make CNTK's shapes and parameters", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 5, 6))
  layer <- Convolution(c(3, 3), num_filters = 4)
  f <- layer(x)
  expect_equal(unlist(f$shape), c(4, 3, 4))
  expect_equal(dim(layer$W$value), c(4, 2, 3, 3))
  expect_equal(dim(layer$b$value), c(4, 1, 1))
  expect_equal(unlist(Convolution2D(3, 4, pad = TRUE, strides = 2)(x)$shape), c(4, 3, 3))
  expect_equal(unlist(Convolution(c(3, 3))(x)$shape), c(3, 4))  # num_filters = NULL: no depth axis
  expect_equal(unlist(Convolution1D(3, 2, reduction_rank = 0)(op_input_variable(7))$shape), c(2, 5))
  expect_equal(unlist(Convolution3D(2, 2)(op_input_variable(c(1, 3, 4, 5)))$shape), c(2, 2, 3, 4))
  y <- func_eval(f, array(runif(2 * 2 * 5 * 6), c(2, 2, 5, 6)))
  expect_equal(dim(y), c(2, 4, 3, 4))
})

test_that("pooling layers keep leading axes and pool windows as CNTK does", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 5, 6))
  expect_equal(unlist(MaxPooling(c(3, 3), strides = 2, pad = TRUE)(x)$shape), c(2, 3, 3))
  expect_equal(unlist(AveragePooling(c(2, 2))(x)$shape), c(2, 4, 5))
  expect_equal(unlist(MaxPooling(2)(x)$shape), c(2, 5, 5))  # one number: a 1-D window
  expect_equal(unlist(GlobalMaxPooling()(x)$shape), c(2, 1, 1))
  v <- array(runif(3 * 2 * 5 * 6), c(3, 2, 5, 6))
  g <- func_eval(GlobalAveragePooling()(x), v)
  expect_equal(as.numeric(g[, 1, 1, 1]), apply(v[, 1, , ], 1, mean), tolerance = 1e-6)
})

test_that("op_pooling computes CNTK's padded, ceil_out_dim and include_pad windows", {
  skip_if_no_cntkr()
  # input 1..7 along one axis; expected values measured with CNTK 2.7
  x <- op_input_variable(c(1, 7))
  v <- array(1:7, c(1, 1, 7))
  run <- function(...) as.numeric(func_eval(op_pooling(x, ...), v))
  expect_equal(run(IO_MAX_POOLING, 3, strides = 2, auto_padding = TRUE), c(2, 4, 6, 7))
  expect_equal(run(IO_AVG_POOLING, 3, strides = 2, auto_padding = TRUE), c(1.5, 3, 5, 6.5))
  expect_equal(run(IO_AVG_POOLING, 3, strides = 2, auto_padding = TRUE, include_pad = TRUE),
               c(1, 3, 5, 13 / 3), tolerance = 1e-6)
  expect_equal(run(IO_AVG_POOLING, 2, strides = 2, ceil_out_dim = TRUE), c(1.5, 3.5, 5.5, 7))
  expect_equal(c(IO_MAX_POOLING, IO_AVG_POOLING), c(0L, 1L))
})

test_that("bad convolution and pooling arguments are rejected naming the argument", {
  skip_if_no_cntkr()
  expect_value_error(Convolution(c(3, 2.5), 2), "`filter_shape` must be whole numbers >= 1, not c(3.0, 2.5).")
  expect_value_error(Convolution2D(c(3, 3, 3), 2), "`filter_shape` must have length 1 or 2, not 3 (c(3, 3, 3)).")
  expect_value_error(Convolution(c(3, 3), 0), "`num_filters` must be whole numbers >= 1, not 0.")
  expect_value_error(Convolution(c(3, 3), 2, strides = c(1, 2, 3)),
                     "`strides` must have length 1 or 2, not 3 (c(1, 2, 3)).")
  expect_value_error(Convolution(c(3, 3), 2, pad = "yes"),
                     "`pad` must be TRUE, FALSE or a logical vector with one value per axis, not \"yes\".")
  expect_value_error(Convolution(c(3, 3), 2, sequential = NA), "`sequential` must be TRUE or FALSE, not NA.")
  expect_value_error(Convolution(c(3, 3), 2, reduction_rank = 2), "`reduction_rank` must be 0 or 1, not 2.")
  expect_value_error(Convolution(c(3, 3), 2, max_temp_mem_size_in_samples = -1),
                     "`max_temp_mem_size_in_samples` must be whole numbers >= 0, not -1.")
  expect_error(Convolution(c(3, 3), 2, sharing = FALSE), "sharing", class = "cntkr_error")
  expect_error(Convolution(c(3, 3), 2, transpose_weight = TRUE), "transpose_weight", class = "cntkr_error")
  expect_error(Convolution(c(3, 3), 2)(op_input_variable(c(2, 2, 6))), "filter_shape\\[1\\]=3",
               class = "cntkr_error")
  expect_value_error(MaxPooling(c(2, 0)), "`filter_shape` must be whole numbers >= 1, not c(2, 0).")
  expect_value_error(MaxPooling(c(2, 2), strides = c(1, 2, 3)),
                     "`strides` must have length 1 or 2, not 3 (c(1, 2, 3)).")
  expect_value_error(AveragePooling(c(2, 2), pad = 1),
                     "`pad` must be TRUE, FALSE or a logical vector with one value per axis, not 1.")
  expect_value_error(GlobalMaxPooling(name = 3), "`name` must be a single string, not 3.")
  x <- op_input_variable(c(1, 6))
  expect_value_error(op_pooling(x, IO_MAX_POOLING, 2, ceil_out_dim = "no"),
                     "`ceil_out_dim` must be TRUE or FALSE, not \"no\".")
  expect_value_error(op_pooling(x, IO_MAX_POOLING, NULL),
                     "`pooling_window_shape` must be a vector of whole numbers >= 1, not NULL.")
  expect_error(op_pooling(x, 2, 2), "pooling_type", class = "cntkr_error")
})

test_that("op_convolution and op_convolution_transpose take CNTK's per-axis arguments", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 5, 6))
  W <- op_parameter(c(4, 2, 3, 3), init = 0.1)
  expect_equal(unlist(op_convolution(W, x, strides = c(1, 2, 2),
                                     auto_padding = c(FALSE, TRUE, TRUE))$shape), c(4, 3, 3))
  # fewer values: the first one repeated to the left (CNTK 2.7, measured)
  expect_equal(unlist(op_convolution(W, x, auto_padding = c(FALSE, TRUE))$shape), c(4, 3, 6))
  Wt <- op_parameter(c(2, 4, 3, 3), init = 0.1)
  expect_equal(unlist(op_convolution_transpose(Wt, x)$shape), c(4, 5, 6))
  expect_equal(unlist(op_convolution_transpose(Wt, x, strides = c(1, 2, 2), auto_padding = c(FALSE, TRUE, TRUE),
                                               output_shape = c(4, 10, 12))$shape), c(4, 10, 12))
  # the default auto_padding pads the channel axis: CNTK 2.7 fails at eval, cntkr at once
  expect_error(op_convolution(W, x), "depth axis", class = "cntkr_error")
  expect_value_error(op_convolution(W, x, strides = 0), "`strides` must be whole numbers >= 1, not 0.")
  expect_value_error(op_convolution(W, x, auto_padding = "no"),
                     "`auto_padding` must be TRUE, FALSE or a logical vector with one value per axis, not \"no\".")
  expect_value_error(op_convolution_transpose(Wt, x, output_shape = c(4, 0, 1)),
                     "`output_shape` must be whole numbers >= 1, not c(4, 0, 1).")
  expect_error(op_convolution_transpose(Wt, x, output_shape = c(10, 12)), "output_shape", class = "cntkr_error")
})

test_that("op_unpooling and MaxUnpooling place values as CNTK 2.7 does", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 6))
  v <- array(c(1, 3, 2, 2, 5, 4), c(1, 1, 6))
  u <- op_unpooling(op_pooling(x, IO_MAX_POOLING, 2, strides = 2), x, 2, strides = 2)
  expect_equal(as.numeric(func_eval(u, v)), c(0, 3, 2, 0, 5, 0))
  layer <- MaxUnpooling(2, strides = 2)
  expect_equal(as.numeric(func_eval(layer(MaxPooling(2, strides = 2)(x), x), v)), c(0, 3, 2, 0, 5, 0))
  expect_equal(IO_MAX_UNPOOLING, 0L)
  expect_value_error(MaxUnpooling(c(2, 0)), "`filter_shape` must be whole numbers >= 1, not c(2, 0).")
  expect_value_error(op_unpooling(x, x, 2, auto_padding = NA),
                     "`auto_padding` must be TRUE, FALSE or a logical vector with one value per axis, not NA.")
  expect_error(op_unpooling(x, x, 2, strides = 2), "not the shape", class = "cntkr_error")
})
