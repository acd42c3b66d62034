# The argument helpers: every R argument is checked and converted here before
# it crosses into Python.
#
# Conventions (the same as CNTK-R's, so its scripts run unchanged):
# * Shapes, axes and per-axis arguments are in CNTK-Python (NumPy, row-major)
#   order: `op_input_variable(c(3, 32, 32))` is channels, height, width.
#   Axes are 0-based. Nothing is reversed on the way to Python.
# * An R array with dim c(batch, ...) is a batch of inputs; element
#   x[i, j, k] is NumPy's a[i - 1, j - 1, k - 1] (see bridge.R).
#
# reticulate alone would send `strides = 1` as the float 1.0, `c(3, 3)` as a
# list and a double array in Fortran order; every helper below fixes one of
# those, rejects what CNTK would reject with a classed R error naming the R
# argument (conditions.R), and passes NULL through as None.

#' @importFrom reticulate r_to_py py_to_r tuple
NULL

# ---------------------------------------------------------------- integers

# list(3, 3) (e.g. from JSON) is read as c(3, 3); other lists stay as they are
# (and are rejected by the checks).
flatten_scalars <- function(x) {
  if (is.list(x) && !inherits(x, "python.builtin.object") && length(x) > 0 &&
      all(lengths(x) == 1) && all(vapply(x, is.atomic, logical(1)))) {
    x <- unlist(x, use.names = FALSE)
  }
  x
}

is_whole <- function(x) {
  is.numeric(x) && !anyNA(x) && all(is.finite(x)) && all(x == trunc(x))
}

check_integers <- function(x, arg, minimum = NULL, lengths = NULL) {
  x <- flatten_scalars(x)
  what <- if (is.null(minimum)) "whole numbers" else paste0("whole numbers >= ", minimum)
  if (!is.numeric(x) || is.logical(x) || length(x) == 0 || !is_whole(x) ||
      (!is.null(minimum) && any(x < minimum)) || any(abs(x) > .Machine$integer.max)) {
    value_error("`", arg, "` must be ", what, ", not ", describe_value(x), ".")
  }
  check_length(x, arg, lengths)
  invisible(x)
}

check_length <- function(x, arg, lengths) {
  if (!is.null(lengths) && !length(x) %in% lengths) {
    value_error(
      "`", arg, "` must have length ", paste(unique(lengths), collapse = " or "),
      ", not ", length(x), " (", describe_value(x), ")."
    )
  }
}

# One whole number -> Python int.
as_integer <- function(x, arg = deparse(substitute(x)), minimum = NULL) {
  force(arg)
  x <- flatten_scalars(x)
  check_integers(x, arg, minimum, lengths = 1)
  as.integer(x)
}

# NULL -> None, else as_integer().
as_nullable_integer <- function(x, arg = deparse(substitute(x)), minimum = NULL) {
  force(arg)
  if (is.null(x)) {
    return(NULL)
  }
  as_integer(x, arg, minimum)
}

# Whole numbers -> a Python int (length 1, a scalar broadcast by Python as in
# CNTK) or a tuple of ints (length > 1). `lengths`: the admissible lengths.
as_integer_tuple <- function(x, arg = deparse(substitute(x)), minimum = NULL,
                             lengths = NULL) {
  force(arg)
  if (is.null(x)) {
    return(NULL)
  }
  x <- flatten_scalars(x)
  check_integers(x, arg, minimum, lengths)
  x <- as.integer(x)
  if (length(x) == 1) x else tuple(as.list(x))
}

# A shape: always a tuple of ints, even of length 1 (CNTK's `shape=(5,)`).
normalize_shape <- function(x, arg = deparse(substitute(x)), allow_null = TRUE) {
  force(arg)
  if (is.null(x)) {
    if (allow_null) {
      return(NULL)
    }
    value_error("`", arg, "` must be a vector of whole numbers >= 1, not NULL.")
  }
  x <- flatten_scalars(x)
  check_integers(x, arg, minimum = 1)
  tuple(as.list(as.integer(x)))
}

# ---------------------------------------------------------------- logicals, strings, numbers

as_flag <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.logical(x) || length(x) != 1 || is.na(x)) {
    value_error("`", arg, "` must be TRUE or FALSE, not ", describe_value(x), ".")
  }
  x
}

# TRUE/FALSE -> a Python bool; a logical vector -> a tuple of per-axis bools.
as_pad <- function(x, arg = deparse(substitute(x)), lengths = NULL) {
  force(arg)
  x <- flatten_scalars(x)
  if (!is.logical(x) || length(x) == 0 || anyNA(x)) {
    value_error(
      "`", arg, "` must be TRUE, FALSE or a logical vector with one value per axis, not ",
      describe_value(x), "."
    )
  }
  check_length(x, arg, lengths)
  if (length(x) == 1) x else tuple(as.list(x))
}

as_name <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x)) {
    return("")
  }
  if (!is.character(x) || length(x) != 1 || is.na(x)) {
    value_error("`", arg, "` must be a single string, not ", describe_value(x), ".")
  }
  x
}

# A real number (scale, init_bias, ...) -> Python float. `nonzero`: 0 is
# rejected too (a divisor, such as op_softplus()'s steepness).
as_number <- function(x, arg = deparse(substitute(x)), nonzero = FALSE) {
  force(arg)
  if (!is.numeric(x) || length(x) != 1 || !is.finite(x) || (nonzero && x == 0)) {
    what <- if (nonzero) "a single finite non-zero number" else "a single finite number"
    value_error("`", arg, "` must be ", what, ", not ", describe_value(x), ".")
  }
  as.double(x)
}

# "float32" / "float64" / "auto" (NULL) -> the dtype's name for Python, or NULL.
type_map <- function(dtype, arg = "dtype") {
  if (is.null(dtype) || is_py(dtype)) {
    return(dtype)
  }
  if (!is.character(dtype) || length(dtype) != 1 || is.na(dtype) ||
      !dtype %in% c("float32", "float64", "auto")) {
    value_error(
      "`", arg, "` must be \"float32\", \"float64\" or \"auto\", not ",
      describe_value(dtype), "."
    )
  }
  if (identical(dtype, "auto")) NULL else dtype
}

`%||%` <- function(x, y) if (is.null(x)) y else x

# ---------------------------------------------------------------- values

# An initial value (a layer's `init`, op_parameter()'s `init`): an
# initializer (Python object), a number, or an array of the parameter's shape
# (copied into a C-order NumPy array of `dtype`; float64 keeps every digit and
# Python casts it to the parameter's dtype). `what`: that array, in messages.
as_init <- function(init, arg = "init", dtype = "float64", what = "an array of W's shape") {
  if (is.null(init) || is_py(init)) {
    return(init)
  }
  if (!is.numeric(init) || length(init) == 0 || anyNA(init) || !all(is.finite(init))) {
    value_error(
      "`", arg, "` must be an initializer such as init_glorot_uniform(), a number ",
      "or ", what, ", not ", describe_value(init), "."
    )
  }
  if (length(init) == 1 && is.null(dim(init))) {
    return(as.double(init))
  }
  as_numpy_array(init, dtype, arg = arg)
}
