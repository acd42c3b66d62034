# op_crop_manual, op_crop_automatic, op_crop_automatic_with_ancestors (cntkr's own exports: CNTK-R
# had no crop ops). The values and gradients of the automatic crops in U-Net style graphs are the
# goldens of ops/crop (test-goldens.R); here: shapes, the offsets CNTK 2.7 finds, and errors.

test_that("op_crop_manual crops the last two axes at the given offsets", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 4, 4), name = "x")
  ref <- op_input_variable(c(1, 2, 3), name = "ref")
  cr <- op_crop_manual(x, ref, offset_x = 1, offset_y = 2)
  expect_equal(unlist(cr$shape), c(1, 2, 3))
  xv <- array(as.numeric(1:32), c(2, 1, 4, 4))
  y <- func_eval(cr, list(x = xv, ref = array(0, c(2, 1, 2, 3))))
  expect_equal(y, xv[, , 3:4, 2:4, drop = FALSE], ignore_attr = TRUE)
})

test_that("op_crop_automatic finds CNTK 2.7's offsets in a U-Net skip", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 20, 20))
  c1 <- Convolution2D(c(3, 3), 2, pad = FALSE, activation = op_relu)(x)
  p <- MaxPooling(c(2, 2), strides = 2)(c1)
  c2 <- Convolution2D(c(3, 3), 2, pad = FALSE)(p)
  d <- ConvolutionTranspose2D(c(2, 2), 2, strides = 2, bias = FALSE)(c2)
  cr <- op_crop_automatic(c1, d)
  expect_equal(unlist(cr$shape), c(2, 14, 14))
  xv <- array(rnorm(400), c(1, 1, 20, 20))
  expect_equal(func_eval(cr, xv), func_eval(c1, xv)[, , 3:16, 3:16, drop = FALSE],
               tolerance = 1e-6, ignore_attr = TRUE)  # CNTK 2.7: offsets (2, 2)
})

test_that("op_crop_automatic_with_ancestors crops labels to a network's output", {
  skip_if_no_cntkr()
  image <- op_input_variable(c(1, 20, 20))
  labels <- op_input_variable(c(3, 20, 20))
  z <- Convolution2D(c(5, 3), 2, pad = FALSE)(Convolution2D(c(3, 3), 2, pad = FALSE)(image))
  cr <- op_crop_automatic_with_ancestors(labels, z, labels, image)
  expect_equal(unlist(cr$shape), c(3, 14, 16))  # CNTK 2.7: offsets (3, 2)
  expect_error(op_crop_automatic(labels, z), "no common ancestor", class = "cntkr_error")
})

test_that("the crop ops' errors name the argument", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(1, 8, 8))
  ref <- op_input_variable(c(1, 4, 4))
  expect_error(op_crop_manual(x, ref, offset_x = -1, offset_y = 0), "offset_x", class = "cntkr_error")
  expect_error(op_crop_manual(x, ref, offset_x = 0, offset_y = 1.5), "offset_y", class = "cntkr_error")
  expect_error(op_crop_manual(x, ref, 5, 0), "offset_x=5", class = "cntkr_error")
  expect_error(op_crop_manual(x, ref, 0, 0, name = 3), "name", class = "cntkr_error")
  expect_error(op_crop_automatic("x", ref), "node_input", class = "cntkr_error")
  expect_error(op_crop_automatic(x, list()), "node_referent", class = "cntkr_error")
  expect_error(op_crop_automatic(op_input_variable(5), ref), "node_input of shape", class = "cntkr_error")
  expect_error(op_crop_automatic_with_ancestors(x, ref, x, NULL), "ancestor_referent",
               class = "cntkr_error")
  c1 <- Convolution2D(c(3, 3), 1, pad = FALSE)(x)
  expect_error(op_crop_automatic(c1, x), "negative offset_y", class = "cntkr_error")
  expect_error(op_crop_automatic(x, op_softmax(c1)), "through Softmax",
               class = "cntkr_error")
})
