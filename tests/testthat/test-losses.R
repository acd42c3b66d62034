# The criteria from R (CNTK-R's loss_*() and classification_error()): CNTK 2.7's numbers as
# measured with the reference (the goldens, tests/goldens/ops/losses, check forward and gradients
# through helper-goldens.R), shapes, and arguments named in errors.

test_that("loss_cross_entropy_with_softmax gives CNTK's row-by-row shape and values", {
  skip_if_no_cntkr()
  o <- op_input_variable(c(2, 3), name = "o")
  t <- op_input_variable(c(2, 3), name = "t")
  f <- loss_cross_entropy_with_softmax(o, t)
  expect_equal(unlist(f$shape), c(2, 2))
  ov <- array(c(1.7640524, 2.2408931, 0.4001572, 1.867558, 0.978738, -0.9772779), c(1, 2, 3))
  tv <- array(c(0, 0, 1, 0, 0, 1), c(1, 2, 3))
  y <- func_eval(f, list(o = ov, t = tv))
  expect_equal(as.numeric(y[1, , ]), c(1.9013467, 0.9205675, 1.3227658, 3.7654033), tolerance = 1e-6)
  g <- loss_cross_entropy_with_softmax(o, t, axis = 1)
  expect_equal(unlist(g$shape), c(2, 1))
  expect_equal(as.numeric(func_eval(g, list(o = ov, t = tv))), c(1.9013467, 3.7654033), tolerance = 1e-6)
})

test_that("classification_error: first maximum, topN, along an axis", {
  skip_if_no_cntkr()
  z <- op_input_variable(4, name = "z")
  y <- op_input_variable(4, name = "y")
  out <- matrix(c(1, 3, 3, 0, 2, 2, 2, 2, 5, 1, 5, 5), 3, byrow = TRUE)
  lab <- matrix(c(0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0), 3, byrow = TRUE)
  expect_equal(as.numeric(func_eval(classification_error(z, y), list(z = out, y = lab))), c(1, 1, 1))
  top2 <- classification_error(z, y, topN = 2)
  expect_equal(length(top2$shape), 0)
  expect_equal(sum(func_eval(top2, list(z = out, y = lab))), 2)  # CNTK's number for the minibatch
  expect_equal(as.numeric(func_eval(classification_error(z, y, axis = 0),
                                    list(z = out, y = lab))), c(1, 1, 1))
})

test_that("the other losses: shapes and CNTK's values", {
  skip_if_no_cntkr()
  p <- op_input_variable(4, name = "p")
  t <- op_input_variable(4, name = "t")
  pv <- matrix(c(0, 1, 0.5, 1e-9), 1)
  tv <- matrix(c(0, 0, 1, 1), 1)
  bce <- func_eval(loss_binary_cross_entropy(p, t), list(p = pv, t = tv))
  expect_equal(as.numeric(bce), c(-9.5367386e-07, 13.862944, 0.69314516, 13.814511), tolerance = 1e-5)
  expect_equal(as.numeric(func_eval(loss_squared_error(p, t), list(p = pv, t = tv))), 2.25, tolerance = 1e-6)
  expect_equal(as.numeric(func_eval(loss_cosine_distance(p, t), list(p = matrix(c(1, 0, 1, 0), 1), t = tv))),
               0.5, tolerance = 1e-6)
  w <- op_input_variable(1, name = "w")
  p1 <- op_input_variable(1, name = "p")
  t1 <- op_input_variable(1, name = "t")
  wbce <- loss_weighted_binary_cross_entropy(p1, t1, w)
  v <- func_eval(wbce, list(p = matrix(c(0.3, 0.6)), t = matrix(c(0, 1)), w = matrix(c(1, 3))))
  expect_equal(sum(v), 0.9445758, tolerance = 1e-6)  # CNTK 2.7's number for this minibatch
})

test_that("criteria name bad arguments in R's words", {
  skip_if_no_cntkr()
  z <- op_input_variable(4)
  expect_error(loss_cross_entropy_with_softmax(z, op_input_variable(3)),
               "output_vector 4 and target_vector 3", class = "value_error")
  expect_error(loss_cross_entropy_with_softmax(z, z, axis = 1.5), "`axis` must be whole numbers",
               class = "value_error")
  expect_error(classification_error(z, z, topN = 0), "`topN` must be whole numbers >= 1", class = "value_error")
  expect_error(classification_error(op_input_variable(c(2, 3)), op_input_variable(c(2, 3)), axis = 0, topN = 2),
               "not supported along a specific axis", class = "value_error")
  expect_error(loss_squared_error(z, "a"), "`target` must be a Variable", class = "value_error")
  expect_error(loss_cosine_distance(z, op_input_variable(3)), "x 4 and y 3 must have the same shape",
               class = "value_error")
  expect_error(loss_binary_cross_entropy(z, z, name = 1), "`name` must be a single string", class = "value_error")
})

test_that("loss_cosine_distance_negative_samples pairs the samples of a minibatch", {
  skip_if_no_cntkr()
  x <- op_input_variable(2, name = "x")
  y <- op_input_variable(2, name = "y")
  f <- loss_cosine_distance_negative_samples(x, y, shift = 1, num_negative_samples = 1)
  expect_equal(unlist(f$shape), 2)
  v <- func_eval(f, list(x = matrix(c(1, 0, 0, 1, 1, 1), 3, byrow = TRUE),
                         y = matrix(c(1, 0, 0, 1, -1, 0), 3, byrow = TRUE)))
  expect_equal(v, matrix(c(1, 0, 1, 0, -sqrt(0.5), sqrt(0.5)), 3, byrow = TRUE), tolerance = 1e-6)
  expect_error(loss_cosine_distance_negative_samples(x, y, shift = -1, num_negative_samples = 1),
               "`shift` must be whole numbers >= 0", class = "value_error")
})
