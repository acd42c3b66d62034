# Skip (only) when the Python side is missing, as keras' skip_if_no_keras().
skip_if_no_cntkr <- function() {
  if (!is_cntkr_available()) {
    skip("Python package 'cntkr_py' not available (see install_cntkr())")
  }
}

`%||%` <- function(x, y) if (is.null(x)) y else x

# expect_error() for cntkr's classed R errors: class value_error, and the
# message (a fixed string) that names the R argument.
expect_value_error <- function(expr, message) {
  expect_error(expr, message, fixed = TRUE, class = "value_error")
}
