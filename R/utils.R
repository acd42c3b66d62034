# Coercion of R arguments before they cross into Python.
#
# Conventions (the same as CNTK-R's, so its scripts run unchanged):
# * Shapes, axes and per-axis arguments are in CNTK-Python (NumPy, row-major)
#   order: `op_input_variable(c(3, 32, 32))` is channels, height, width.
#   Axes are 0-based. Nothing is reversed on the way to Python.
# * An R array with dim c(batch, ...) is a batch of inputs; element
#   x[i, j, k] is NumPy's a[i - 1, j - 1, k - 1]. It is copied into a C-order
#   (row-major) NumPy array of the variable's dtype before cntkr_py sees it,
#   in one pass on the Python side (cntkr_py/_r_bridge.py, see below).
#
# reticulate alone would send `strides = 1` as the float 1.0, `c(3, 3)` as a
# list and a double array in Fortran order; every helper below fixes one of
# those, rejects what CNTK would reject with a classed R error naming the R
# argument, and passes NULL through as None.

#' @importFrom reticulate r_to_py py_to_r tuple
NULL

# ---------------------------------------------------------------- conditions

# A classed condition, as mlverse/torch's value_error(): catch it with
# tryCatch(..., value_error = function(e) ...). The message names the R
# argument, so no (internal) call is attached.
value_error <- function(..., call = NULL) {
  cond <- structure(
    class = c("value_error", "error", "condition"),
    list(message = paste0(...), call = call)
  )
  stop(cond)
}

# How a bad value is quoted in messages: R literals, at most 6 elements.
describe_value <- function(x) {
  if (is.null(x)) {
    return("NULL")
  }
  if (is.function(x)) {
    return("a function")
  }
  if (inherits(x, "python.builtin.object")) {
    return(paste0("a Python object of class ", class(x)[[1]]))
  }
  if (!is.atomic(x)) {
    return(paste0("an object of class ", class(x)[[1]]))
  }
  if (length(x) == 0) {
    return(paste0(typeof(x), "(0)"))
  }
  shown <- utils::head(x, 6)
  text <- if (is.character(shown)) encodeString(shown, quote = "\"") else format(shown, digits = 15, trim = TRUE)
  text <- paste(text, collapse = ", ")
  if (length(x) > 6) {
    text <- paste0(text, ", ...")
  }
  if (length(x) == 1) text else paste0("c(", text, ")")
}

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
  if (!is.null(lengths) && !length(x) %in% lengths) {
    value_error(
      "`", arg, "` must have length ", paste(unique(lengths), collapse = " or "),
      ", not ", length(x), " (", describe_value(x), ")."
    )
  }
  invisible(x)
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
  if (length(x) == 1) x else do.call(tuple, as.list(x))
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
  do.call(tuple, as.list(as.integer(x)))
}

# ---------------------------------------------------------------- logicals

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
  if (!is.null(lengths) && !length(x) %in% lengths) {
    value_error(
      "`", arg, "` must have length ", paste(unique(lengths), collapse = " or "),
      ", not ", length(x), " (", describe_value(x), ")."
    )
  }
  if (length(x) == 1) x else do.call(tuple, as.list(x))
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

# A real number (scale, init_bias, ...) -> Python float.
as_number <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.numeric(x) || length(x) != 1 || !is.finite(x)) {
    value_error("`", arg, "` must be a single finite number, not ", describe_value(x), ".")
  }
  as.double(x)
}

# ---------------------------------------------------------------- dtypes, arrays

# "float32" / "float64" / "auto" (NULL) or a NumPy dtype -> NumPy dtype or NULL.
type_map <- function(dtype, arg = "dtype") {
  if (is.null(dtype) || inherits(dtype, "python.builtin.object")) {
    return(dtype)
  }
  if (!is.character(dtype) || length(dtype) != 1 || is.na(dtype) ||
      !dtype %in% c("float32", "float64", "auto")) {
    value_error(
      "`", arg, "` must be \"float32\", \"float64\" or \"auto\", not ",
      describe_value(dtype), "."
    )
  }
  if (identical(dtype, "auto")) {
    return(NULL)
  }
  numpy()[[dtype]]
}

# NumPy dtype name ("float32"/"float64") of a Python Variable, or "float32".
variable_dtype <- function(variable) {
  dt <- tryCatch(py_to_r(reticulate::py_str(py_obj(variable)$dtype)), error = function(e) NULL)
  if (is.character(dt) && length(dt) == 1 && dt %in% c("float32", "float64")) {
    return(dt)
  }
  if (is.character(dt) && grepl("float64", dt, fixed = TRUE)) {
    return("float64")
  }
  "float32"
}

# An R array (dim c(batch, ...)), vector or number -> C-order NumPy array of
# `dtype`, with the same indexing, a new copy. Python objects (NumPy arrays
# included) are made C-contiguous of `dtype` too.
as_numpy_array <- function(x, dtype = "float32", arg = deparse(substitute(x))) {
  force(arg)
  if (inherits(x, "python.builtin.object")) {
    np <- numpy()
    return(np$ascontiguousarray(x, dtype = np[[dtype]]))
  }
  if (!is.numeric(x) && !is.logical(x)) {
    value_error("`", arg, "` must be a numeric array, not ", describe_value(x), ".")
  }
  bridge_call("from_r_value", r_value(x), dtype, arg)
}

# ---------------------------------------------------------------- the R bridge

# R arrays cross into Python in one place, cntkr_py/_r_bridge.py: reticulate
# hands a double array over as a Fortran-ordered float64 NumPy array that
# shares R's memory, and the bridge copies it into a C-order array of the
# input's dtype in one pass (rejecting NA/NaN), with this package's C code
# (src/layout.c, called through ctypes). Results come back as descriptions of
# C-order buffers that the bridge keeps alive, and cntkr_from_c() (C, same
# file) fills the R array from them in one pass; reticulate's own conversion
# copies twice. func_eval() and func_grad() make their call from C
# (direct_call(), src/pycall.c), which hands R's memory over without
# reticulate. Only doubles share memory, so integers and logicals (and their
# NA) become doubles first.
r_value <- function(x) {
  if ((is.integer(x) || is.logical(x)) && !is.object(x)) {
    storage.mode(x) <- "double"
  }
  x
}

# A function of cntkr_py._r_bridge, looked up once per session (calling it
# with reticulate::py_call() and positional arguments skips the signature
# lookup that `$` does on every call).
bridge_function <- function(name) {
  fn <- py_handles$bridge[[name]]
  if (is.null(fn)) {
    if (is.null(py_handles$bridge)) {
      module <- reticulate::import("cntkr_py._r_bridge", convert = FALSE)
      py_handles$native <- use_native_layout(module)
      py_handles$direct <- isTRUE(py_handles$native) && isTRUE(tryCatch(
        .Call(cntkr_py_init, reticulate::py_get_attr(module, "RArray")),
        error = function(e) FALSE
      ))
      py_handles$bridge <- list()
      py_handles$bridge_module <- module
    }
    fn <- reticulate::py_get_attr(py_handles$bridge_module, name)
    py_handles$bridge[[name]] <- fn
  }
  fn
}

# Hands the bridge the path of this package's shared library (src/layout.c);
# TRUE when the bridge uses it (it then describes results for cntkr_from_c()).
use_native_layout <- function(module) {
  dll <- getLoadedDLLs()[["cntkr"]]
  if (is.null(dll)) {
    return(FALSE)
  }
  isTRUE(tryCatch(
    py_to_r(reticulate::py_call(reticulate::py_get_attr(module, "use_native"), dll[["path"]])),
    error = function(e) FALSE
  ))
}

# Calls bridge function `name` (eval_c, grad_c) straight from C (src/pycall.c),
# without reticulate's per-call work: R arrays are read in place, results come
# back as R arrays. NULL when that path is off (no C layout kernels in use) or
# could not make the call (an argument of another kind, or a Python exception):
# the caller then goes through bridge_call(), which reports errors as usual.
direct_call <- function(name, ...) {
  fn <- bridge_function(name)
  if (!isTRUE(py_handles$native) || !isTRUE(py_handles$direct)) {
    return(NULL)
  }
  result <- .Call(cntkr_py_call, fn, list(...))
  if (is.character(result)) {
    value_error(result)
  }
  result
}

# Calls bridge function `name` with positional arguments. Bad input found in
# Python comes back as an RValueError (message written for R), which becomes a
# value_error() here.
bridge_call <- function(name, ...) {
  result <- reticulate::py_call(bridge_function(name), ...)
  if (inherits(result, "cntkr_py._r_bridge.RValueError")) {
    value_error(py_to_r(reticulate::py_get_attr(result, "args"))[[1]])
  }
  result
}
