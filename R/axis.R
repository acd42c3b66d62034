# Axis objects (cntkr_py.variables.Axis), with CNTK-R's helpers.

#' Axes
#'
#' `CNTKAxis(k)` is static axis `k` (0-based, negative counts from the end, in
#' CNTK's Python order like every axis in cntkr) for the `axis` argument of
#' reductions; `CNTKAxis("name")` a named axis. `get_all_static_axes()` stands
#' for every static axis (a reduction over it gives shape `()`),
#' `get_all_axes()` for every axis, `get_default_batch_axis()` for the batch
#' axis of inputs. `get_static_axis_index(ax)` is a static axis' index.
#'
#' @param ... For `CNTKAxis()`: the axis, a whole number or a string.
#' @param ax An axis object.
#' @param checked `TRUE` to raise an error when `ax` is not a static axis,
#'   `FALSE` to return `NULL` then.
#' @return An axis object; `get_static_axis_index()` a number.
#' @section Shape:
#' Axes name positions in a shape; they have no shape themselves.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3))
#' op_reduce_sum(x, axis = get_all_static_axes())$shape
#' op_reduce_sum(x, axis = CNTKAxis(-1))$shape
#' get_static_axis_index(CNTKAxis(1))
#' @name axis
NULL

#' @rdname axis
#' @export
CNTKAxis <- function(...) {
  args <- list(...)
  if (length(args) != 1) {
    value_error("`CNTKAxis()` takes one axis (a whole number or a string), not ", length(args), " arguments.")
  }
  axis <- args[[1]]
  if (!is.character(axis)) axis <- as_integer(axis, "axis")
  cntk_call("variables.Axis", axis)
}

#' @rdname axis
#' @export
get_all_axes <- function() {
  cntk_call("variables.Axis.all_axes")
}

#' @rdname axis
#' @export
get_all_static_axes <- function() {
  cntk_call("variables.Axis.all_static_axes")
}

#' @rdname axis
#' @export
get_default_batch_axis <- function() {
  cntk_call("variables.Axis.default_batch_axis")
}

#' @rdname axis
#' @export
get_static_axis_index <- function(ax, checked = TRUE) {
  cntk_call("variables.Axis.static_axis_index", check_py(ax, "ax", "an axis object"),
            checked = as_flag(checked))
}
