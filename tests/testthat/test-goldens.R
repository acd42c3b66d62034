test_that("the golden cases from CNTK 2.7 are there", {
  skip_if_no_cntkr()
  expect_gt(length(golden_cases()), 0)
})

test_that("every golden case matches CNTK 2.7: output and gradients for x, W, b", {
  skip_if_no_cntkr()
  cases <- golden_cases()
  for (path in cases) {
    check_golden_case(path)
  }
  message("cntkr testthat goldens: ", length(cases), " cases checked")
})

test_that("activations given as R functions match CNTK 2.7 too", {
  skip_if_no_cntkr()
  with_activation <- Filter(function(p) !is.null(read_golden(p)$layer$activation), golden_cases())
  expect_gt(length(with_activation), 0)
  for (path in with_activation) {
    check_golden_case(path, r_activation = TRUE)
  }
})
