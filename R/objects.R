# The Python objects cntkr hands to R (layers, Functions, Variables,
# Parameters, initializers, devices) all get the S3 class "cntkr_object"
# through reticulate's class filter, so print(), dim() and `$<-` work the
# same on all of them.

register_cntkr_classes <- function() {
  reticulate::register_class_filter(function(classes) {
    if (!"cntkr_object" %in% classes && any(startsWith(classes, "cntkr_py."))) {
      classes <- c("cntkr_object", classes)
    }
    classes
  })
}

# Module handles that never convert results to R (reticulate's convert = FALSE).
py_handles <- new.env(parent = emptyenv())

numpy <- function() {
  if (is.null(py_handles$numpy)) {
    py_handles$numpy <- reticulate::import("numpy", convert = FALSE)
  }
  py_handles$numpy
}

# The same Python object, with reticulate's conversion switched off (TRUE:
# on). Calls made through the result return Python objects.
py_obj <- function(x, convert = FALSE) {
  key <- if (convert) "converting" else "raw"
  if (is.null(py_handles[[key]])) {
    py_handles[[key]] <- reticulate::py_eval("lambda o: o", convert = convert)
  }
  py_handles[[key]](x)
}

is_py <- function(x) inherits(x, "python.builtin.object")

py_same <- function(x, y) {
  is_py(x) && is_py(y) && identical(
    py_to_r(reticulate::import_builtins(convert = FALSE)$id(py_obj(x))),
    py_to_r(reticulate::import_builtins(convert = FALSE)$id(py_obj(y)))
  )
}

#' Set an attribute of a cntkr object
#'
#' `layer$W$value <- W` sets a parameter's value from an R array (shape in
#' CNTK-Python order, checked by Python); the array is copied into a C-order
#' NumPy array of the parameter's dtype first. Re-assigning an attribute to
#' the object it already holds (what R does for the outer `$` in
#' `layer$W$value <- W`) does nothing.
#'
#' @param x A cntkr object.
#' @param name The attribute's name.
#' @param value The new value: an R array or number for `value`, otherwise
#'   anything reticulate converts.
#' @return `x`, invisibly changed in place on the Python side.
#' @keywords internal
#' @export
`$<-.cntkr_object` <- function(x, name, value) {
  if (!is_py(value) && identical(name, "value") && (is.numeric(value) || is.logical(value))) {
    value <- as_numpy_array(value, variable_dtype(x), arg = "value")
  }
  if (is_py(value) && reticulate::py_has_attr(x, name)) {
    current <- tryCatch(reticulate::py_get_attr(py_obj(x), name), error = function(e) NULL)
    if (py_same(current, value)) {
      return(x)
    }
  }
  reticulate::py_set_attr(x, name, value)
  x
}

#' @rdname cash-set-.cntkr_object
#' @export
`[[<-.cntkr_object` <- `$<-.cntkr_object`

#' @export
print.cntkr_object <- function(x, ...) {
  cat(py_to_r(reticulate::import_builtins(convert = FALSE)$repr(py_obj(x))), "\n", sep = "")
  invisible(x)
}

#' Static shape of a cntkr Variable, Function or Parameter
#'
#' The shape in CNTK-Python order, without the batch axis (`NULL` for
#' objects without a shape). Dimensions still to be inferred show as `-1`.
#'
#' @param x A cntkr object.
#' @return An integer vector or `NULL`.
#' @keywords internal
#' @export
dim.cntkr_object <- function(x) {
  raw <- py_obj(x)
  if (!reticulate::py_has_attr(raw, "shape")) {
    return(NULL)
  }
  shape <- tryCatch(py_to_r(raw$shape), error = function(e) NULL)
  if (is.null(shape) || !is.list(shape) && !is.numeric(shape)) {
    return(NULL)
  }
  as.integer(unlist(shape))
}
