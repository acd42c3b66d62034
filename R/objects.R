# The Python objects cntkr hands to R (layers, Functions, Variables,
# Parameters, initializers, devices) all get the S3 class "cntkr_object"
# through reticulate's class filter, so that print(), dim(), `$` and `$<-`
# work the same on all of them, through the bridge (bridge.R).

register_cntkr_classes <- function() {
  reticulate::register_class_filter(function(classes) {
    if (!"cntkr_object" %in% classes && any(startsWith(classes, "cntkr_py.")) &&
        !"python.builtin.BaseException" %in% classes) {
      classes <- c("cntkr_object", classes)
    }
    classes
  })
}

#' Attributes of a cntkr object
#'
#' `layer$W` is a layer's kernel Parameter, `layer$W$value` its value as an R
#' array, `f$shape` a Function's output shape, `f$arguments` its inputs.
#' `layer$W$value <- W` sets a Parameter's (or a Constant's) value from an R
#' array of its shape (in CNTK-Python order, checked by Python); the array is
#' copied into a C-order NumPy array of the parameter's dtype first. The
#' `value` of a Parameter or a Constant is the only thing that can be set;
#' re-assigning an attribute to the object it already holds (what R does for
#' the outer `$` in `layer$W$value <- W`) does nothing.
#'
#' @param x A cntkr object.
#' @param name The attribute's name.
#' @param value The new value: an R array or number of the Parameter's or
#'   Constant's shape.
#' @return `$`: the attribute, converted to R where reticulate converts it.
#'   `$<-`: `x`, changed in place on the Python side.
#' @keywords internal
#' @name cntkr_object
NULL

#' @rdname cntkr_object
#' @export
`$.cntkr_object` <- function(x, name) {
  check_alive(x)
  with_python(NextMethod())
}

#' @rdname cntkr_object
#' @export
`[[.cntkr_object` <- `$.cntkr_object`

#' @rdname cntkr_object
#' @export
`$<-.cntkr_object` <- function(x, name, value) {
  check_alive(x)
  if (is_py(value)) {
    check_alive(value)
  }
  bridge_call("set_attribute", x, name, r_value(value), convert = FALSE)
  x
}

#' @rdname cntkr_object
#' @export
`[[<-.cntkr_object` <- `$<-.cntkr_object`

# Callable cntkr objects (layers, Functions) are R functions: `layer(x)`.
# reticulate builds that function; this wrapper makes the call go through
# with_python() like every other call into Python.
#' @importFrom reticulate py_to_r_wrapper
#' @export
py_to_r_wrapper.cntkr_object <- function(x) {
  force(x)
  function(...) {
    check_alive(x)
    with_python(x(...))
  }
}

#' @export
print.cntkr_object <- function(x, ...) {
  check_alive(x)
  cat(bridge_call("describe", x), "\n", sep = "")
  invisible(x)
}

#' Static shape of a cntkr Variable, Function or Parameter
#'
#' The shape in CNTK-Python order, without the batch axis (`NULL` for
#' objects without a shape, and for objects restored from a saved session).
#' Dimensions still to be inferred show as `-1`.
#'
#' @param x A cntkr object.
#' @return An integer vector or `NULL`.
#' @keywords internal
#' @export
dim.cntkr_object <- function(x) {
  if (reticulate::py_is_null_xptr(x)) {
    return(NULL)
  }
  shape <- bridge_call("static_shape", x)
  if (is.null(shape)) NULL else as.integer(unlist(shape))
}
