# R values become the Python values CNTK expects.

test_that("whole numbers become Python ints and vectors become tuples", {
  skip_if_no_cntkr()
  builtins <- reticulate::import_builtins(convert = FALSE)
  py_type <- function(x) reticulate::py_to_r(builtins$type(reticulate::r_to_py(x))$`__name__`)
  expect_identical(py_type(cntkr:::as_integer_tuple(3)), "int")
  expect_identical(py_type(cntkr:::as_integer_tuple(c(3, 5))), "tuple")
  expect_identical(reticulate::py_to_r(builtins$repr(cntkr:::as_integer_tuple(c(3, 5)))), "(3, 5)")
  expect_identical(reticulate::py_to_r(builtins$repr(cntkr:::normalize_shape(7))), "(7,)")
  expect_identical(reticulate::py_to_r(builtins$repr(cntkr:::as_pad(c(TRUE, FALSE)))), "(True, False)")
  expect_identical(py_type(cntkr:::as_pad(TRUE)), "bool")
  expect_null(cntkr:::as_integer_tuple(NULL))
  expect_identical(py_type(cntkr:::as_integer(2)), "int")
})

test_that("R arrays become C-order NumPy arrays with the same indexing", {
  skip_if_no_cntkr()
  a <- array(seq_len(24), c(2, 3, 4))
  np_a <- cntkr:::as_numpy_array(a, "float32")
  expect_true(reticulate::py_to_r(np_a$flags$c_contiguous))
  expect_true(reticulate::py_to_r(np_a$flags$writeable))
  expect_identical(reticulate::py_to_r(reticulate::py_str(np_a$dtype)), "float32")
  expect_identical(reticulate::py_to_r(np_a$shape), list(2L, 3L, 4L))
  # a[2, 3, 4] in R is a[1, 2, 3] in NumPy
  expect_equal(reticulate::py_to_r(np_a$`__getitem__`(reticulate::tuple(1L, 2L, 3L))$item()), a[2, 3, 4])
  expect_identical(
    reticulate::py_to_r(reticulate::py_str(cntkr:::as_numpy_array(a, "float64")$dtype)), "float64"
  )
})

test_that("value_error is a classed condition naming the argument", {
  err <- tryCatch(cntkr:::as_integer(2.5, "strides"), error = identity)
  expect_s3_class(err, "value_error")
  expect_identical(conditionMessage(err), "`strides` must be whole numbers, not 2.5.")
})

test_that("lists of scalars (as read from JSON) work like vectors", {
  skip_if_no_cntkr()
  x <- op_input_variable(list(2, 5, 5))
  layer <- ConvolutionTranspose(list(3, 3), num_filters = 4, strides = list(2, 1),
                                pad = list(TRUE, FALSE), output_shape = list(9, 7))
  expect_identical(dim(layer(x)), c(4L, 9L, 7L))
  z <- op_input_variable(c(1, 4))
  expect_identical(dim(ConvolutionTranspose(3, num_filters = list())(z)),
                   dim(ConvolutionTranspose(3, num_filters = NULL)(z)))
  expect_value_error(ConvolutionTranspose(list(3, "a")), "`filter_shape` must be whole numbers >= 1")
})
