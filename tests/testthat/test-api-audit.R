# Function API members from R (issue 11's list, see docs/cntk-semantics.md "Coverage of the op and
# layer library"): CNTK's attributes of a Function reached with `$`, as CNTK-R's vignettes do.

test_that("a Function's root_function, op_name, inputs, outputs, uid and attributes from R", {
  skip_if_no_cntkr()
  x <- op_input_variable(c(2, 3), name = "x")
  f <- op_softmax(op_plus(x, 1), axis = 0, name = "out")
  expect_identical(f$root_function$op_name, "Softmax")
  expect_identical(f$op_name, "Softmax")
  expect_identical(f$name, "out")
  expect_true(f$is_composite)
  expect_true(is.character(f$uid) && nzchar(f$uid))
  expect_length(f$outputs, 1)
  expect_identical(f$root_function$inputs[[1]]$owner$op_name, "Plus")
  expect_identical(f$arguments[[1]]$name, "x")
  expect_true(is.list(f$attributes))
  z <- Sequential(Dense(4, name = "hidden"), Dense(2, name = "classify"))(x)
  expect_equal(dim(z$classify$b$value), 2)
  expect_equal(dim(z$hidden$W$value), c(2, 3, 4))
})
