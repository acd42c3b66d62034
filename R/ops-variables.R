#' Create an input for a network
#'
#' An input Variable: the place where data is fed in by [func_eval()] and
#' [func_grad()]. It has a batch axis in front of `shape` (CNTK's default
#' dynamic axis).
#'
#' @section Shape:
#' `shape` is the shape of one sample in CNTK-Python order, channels first,
#' e.g. `c(3, 32, 32)` for 32 x 32 RGB images. Data for it is an R array with
#' `dim = c(batch, shape)`.
#'
#' @param shape Shape of one sample, a vector of whole numbers `>= 1`.
#' @param dtype Element type, `"float32"` (the default) or `"float64"`.
#' @param needs_gradient Whether [func_grad()] may differentiate with respect
#'   to this input, `TRUE` or `FALSE`.
#' @param is_sparse Whether the input is sparse; only `FALSE` is supported.
#' @param dynamic_axes The dynamic axes, a list; only the default,
#'   `c(get_default_batch_axis())` (a batch axis), is supported.
#' @param name Name of the Variable, a string.
#' @return A Variable.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(3, 32, 32), needs_gradient = TRUE)
#' x$shape
#' dim(x)
#' @export
op_input_variable <- function(shape, dtype = "float32", needs_gradient = FALSE,
                              is_sparse = FALSE,
                              dynamic_axes = c(get_default_batch_axis()),
                              name = "") {
  args <- list(
    normalize_shape(shape, allow_null = FALSE),
    dtype = type_map(dtype),
    needs_gradient = as_flag(needs_gradient),
    is_sparse = as_flag(is_sparse),
    name = as_name(name)
  )
  if (is.null(args$dtype)) {
    args$dtype <- "float32"
  }
  # The default is left to Python, so that loading the help page or calling
  # with defaults never evaluates an Axis.
  if (!missing(dynamic_axes)) {
    args$dynamic_axes <- if (is_py(dynamic_axes)) list(dynamic_axes) else dynamic_axes
  }
  do.call(cntk_call, c("input_variable", args))
}

#' Create a parameter
#'
#' A learnable tensor of fixed `shape`, e.g. the weights of a hand-built
#' layer.
#'
#' @param shape Shape of the parameter, a vector of whole numbers `>= 1`, or
#'   `NULL` to take it from an array `init`.
#' @param init Initial value: an initializer such as [init_glorot_uniform()],
#'   a number, or an R array of `shape`. `NULL` means
#'   `init_glorot_uniform()`.
#' @param dtype Element type, `"float32"`, `"float64"` or `"auto"`: `"float32"`,
#'   also for an R array `init` (R's doubles become float32),
#'   unless `init` is a NumPy array made with `reticulate::np_array()`, whose
#'   dtype it keeps.
#' @param device The device to hold it, from [cpu_descriptor()] or
#'   [gpu_descriptor()], or `NULL` for the default device.
#' @param name Name of the parameter, a string.
#' @return A Parameter; `p$value` is its value as an R array.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(c(2, 3), init = 0.5)
#' p$value
#' p$value <- matrix(1:6, 2, 3)
#' p$value
#' @export
op_parameter <- function(shape = NULL, init = NULL, dtype = "auto",
                         device = NULL, name = "") {
  dtype <- type_map(dtype)
  cntk_call(
    "parameter",
    shape = normalize_shape(shape),
    init = as_init(init, dtype = dtype %||% "float32", what = "an array of `shape`"),
    dtype = dtype,
    device = device,
    name = as_name(name)
  )
}

#' Create a constant
#'
#' A tensor of fixed value, usable wherever a Variable is.
#'
#' @param value The value: a number (filled into `shape`) or an R array.
#' @param shape Shape, a vector of whole numbers `>= 1`, or `NULL` to take it
#'   from `value`.
#' @param dtype Element type, `"float32"`, `"float64"` or `"auto"`
#'   (`"float32"` for R numbers).
#' @param name Name of the constant, a string.
#' @return A Constant; `k$value` is its value as an R array.
#' @examplesIf is_cntkr_available()
#' k <- op_constant(matrix(1:6, 2, 3))
#' k$shape
#' op_constant(2, shape = c(2, 2))$value
#' @export
op_constant <- function(value = NULL, shape = NULL, dtype = "auto", name = "") {
  dtype <- type_map(dtype)
  if (!is.null(value) && !is_py(value)) {
    if (!is.numeric(value) || anyNA(value)) {
      value_error("`value` must be a number or a numeric array, not ", describe_value(value), ".")
    }
    value <- if (length(value) == 1 && is.null(dim(value))) {
      as.double(value)
    } else {
      as_numpy_array(value, dtype %||% "float32")
    }
  }
  cntk_call(
    "constant",
    value = value,
    shape = normalize_shape(shape),
    dtype = dtype %||% "float32",
    name = as_name(name)
  )
}
