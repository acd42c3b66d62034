# op_one_hot from R against values measured in CNTK 2.7 (see tests/test_one_hot_cntk.py: CNTK
# refuses one_hot's gradient, so it has no golden case).

test_that("op_one_hot gives CNTK 2.7's values: truncated indices, none out of range", {
  skip_if_no_cntkr()
  f <- op_one_hot(op_input_variable(3), 4, axis = 0)
  y <- func_eval(f, array(c(5, -1, 1.7), c(1, 3)))
  expected <- array(0, c(1, 4, 3))
  expected[1, 2, 3] <- 1
  expect_equal(y, expected)
})

test_that("op_one_hot along a middle axis, float64, as CNTK 2.7", {
  skip_if_no_cntkr()
  f <- op_one_hot(op_input_variable(c(2, 3), dtype = "float64"), 4, axis = 1)
  expect_equal(unlist(f$shape), c(2, 4, 3))
  xv <- array(0, c(1, 2, 3))
  xv[1, 1, ] <- c(0, 1, 2)
  xv[1, 2, ] <- c(3, 0, 1)
  y <- func_eval(f, xv)
  expected <- array(0, c(1, 2, 4, 3))
  for (i in 1:2) for (j in 1:3) expected[1, i, xv[1, i, j] + 1, j] <- 1
  expect_equal(y, expected)
})
