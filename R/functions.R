#' Evaluate a Function
#'
#' Computes a Function's output for given input values.
#'
#' @section Shape:
#' Each input value is an R array with `dim = c(batch, shape)`, `shape` being
#' the input Variable's shape (CNTK-Python order, channels first); it is
#' copied into a C-order NumPy array of the Variable's dtype. The result has
#' `dim = c(batch, func$shape)`.
#'
#' @param func The Function, e.g. `layer(x)`.
#' @param arguments The input values: an R array for a Function with one
#'   input; for several, `dict(x = xv, y = yv)` with the Variables' R names, a
#'   list named by the Variables' `name`s, or an unnamed list in the order of
#'   `func$arguments`.
#' @param outputs The outputs to compute, a list of Variables, or `NULL` for
#'   all of them.
#' @param device The device to compute on (see [cpu_descriptor()]), or `NULL`
#'   for the default device.
#' @param as_matrix Whether to return R arrays (`TRUE`) or NumPy arrays
#'   (`FALSE`).
#' @return An R array of `dim = c(batch, func$shape)`; with several outputs,
#'   a list of them.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 3))
#' layer <- ConvolutionTranspose(2, num_filters = 1, init = 1, pad = FALSE)
#' f <- layer(x)
#' func_eval(f, array(c(1, 2, 3), c(1, 1, 3)))
#' func_eval(f, dict(x = array(c(1, 2, 3), c(1, 1, 3))))
#' @export
func_eval <- function(func, arguments = NULL, outputs = NULL, device = NULL,
                      as_matrix = TRUE) {
  check_function(func)
  as_matrix <- as_flag(as_matrix, "as_matrix")
  arguments <- function_arguments(func, arguments, "arguments")
  outputs <- as_variable_list(outputs, "outputs")
  if (as_matrix) {
    result <- direct_call("eval_c", func, arguments, outputs, device, "arguments")
    if (!is.null(result)) {
      return(result)
    }
  }
  result <- bridge_call("eval", func, arguments, outputs, device, as_matrix, "arguments")
  from_bridge(result, as_matrix)
}

#' Gradient of a Function
#'
#' Computes the gradient of the sum of a Function's output (CNTK's default
#' root) with respect to inputs and parameters, at given input values.
#'
#' @section Shape:
#' Input values as in [func_eval()]. The gradient with respect to an input
#' has the input's `dim = c(batch, shape)`; with respect to a parameter, the
#' parameter's shape (e.g. `dim(layer$W$value)`).
#'
#' @param func The Function, with a single output.
#' @param at The input values, as `arguments` in [func_eval()].
#' @param wrt What to differentiate with respect to: a list of Variables and
#'   Parameters, e.g. `list(layer$W, layer$b, x)`, a single one, or `NULL` for
#'   every input with `needs_gradient = TRUE`.
#' @param outputs Outputs to return besides the gradients, a list of
#'   Variables, or `NULL`.
#' @param device The device to compute on, or `NULL` for the default device.
#' @param as_matrix Whether to return R arrays (`TRUE`) or NumPy arrays
#'   (`FALSE`).
#' @param grad_root The output to take the gradient of, or `NULL` for the
#'   Function's output.
#' @return The gradient as an R array when there is one (`wrt` a single
#'   Variable or a list of one, as CNTK returns a bare array then); otherwise
#'   an unnamed list of gradients in the order of `wrt`. With `outputs`, a
#'   list of `gradients` (as above) and `outputs` (as [func_eval()] returns
#'   them).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 3), needs_gradient = TRUE)
#' layer <- ConvolutionTranspose(2, num_filters = 1, init = 1)
#' f <- layer(x)
#' xv <- array(c(1, 2, 3), c(1, 1, 3))
#' g <- func_grad(f, xv, wrt = list(layer$W, layer$b, x))
#' str(g)
#' @export
func_grad <- function(func, at, wrt = NULL, outputs = NULL, device = NULL,
                      as_matrix = TRUE, grad_root = NULL) {
  check_function(func)
  as_matrix <- as_flag(as_matrix, "as_matrix")
  at <- function_arguments(func, at, "at")
  wrt <- as_variable_list(wrt, "wrt")
  if (as_matrix && is.null(outputs)) {
    result <- direct_call("grad_c", func, at, wrt, device, grad_root, "at")
    if (!is.null(result)) {
      return(result)
    }
  }
  result <- bridge_call(
    "grad", func, at, wrt, as_variable_list(outputs, "outputs"), device, as_matrix,
    grad_root, "at"
  )
  if (is.null(outputs)) {
    return(from_bridge(result, as_matrix))
  }
  # Python returns [gradients, output values]
  parts <- reticulate::iterate(result, simplify = FALSE)
  list(gradients = from_bridge(parts[[1]], as_matrix), outputs = from_bridge(parts[[2]], as_matrix))
}

#' Create a dictionary of input values
#'
#' Pairs input Variables with their values for [func_eval()] and
#' [func_grad()]. Each argument's name is the R name of a Variable in the
#' calling environment; its value is an R array. Values are converted to
#' C-order NumPy arrays of the Variable's dtype.
#'
#' @param ... Name-value pairs, e.g. `dict(x = xv, y = yv)` where `x` and `y`
#'   are Variables from [op_input_variable()]. A name that is not an R
#'   variable holding a Python object becomes a string key.
#' @return A Python dictionary.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2)
#' f <- op_relu(x)
#' func_eval(f, dict(x = matrix(c(-1, 1), 1, 2)))
#' @export
dict <- function(...) {
  values <- list(...)
  keys <- names(values)
  if (length(values) > 0 && (is.null(keys) || any(!nzchar(keys)))) {
    value_error("every argument of `dict()` must be named, e.g. dict(x = xv).")
  }
  frame <- parent.frame()
  keys <- lapply(keys, function(key) {
    if (exists(key, envir = frame, inherits = TRUE)) {
      object <- get(key, envir = frame, inherits = TRUE)
      if (is_py(object)) {
        return(object)
      }
    }
    key
  })
  values <- Map(function(key, value) input_value(key, value, "dict()"), keys, values)
  reticulate::py_dict(keys, unname(values), convert = TRUE)
}

# ------------------------------------------------------------------ helpers

check_function <- function(func) {
  if (!is_py(func)) {
    value_error("`func` must be a cntkr Function such as layer(x), not ", describe_value(func), ".")
  }
  func
}

# One input value, converted for the Variable `key` (dict()).
input_value <- function(key, value, arg) {
  if (is_py(key) && (is.numeric(value) || is.logical(value) || is_py(value))) {
    return(as_numpy_array(value, variable_dtype(key), arg = arg))
  }
  value
}

# func_eval's `arguments` / func_grad's `at` as cntkr_py._r_bridge takes them:
# NULL, one value (for a Function with one input), or a Python dict
# {Variable: value}. R arrays go as they are (reticulate shares their memory);
# the bridge converts them, in one pass, to C-order arrays of each input's dtype.
function_arguments <- function(func, arguments, arg) {
  if (is.null(arguments) || is_py(arguments)) {
    return(arguments)
  }
  if (!is.list(arguments)) {
    return(r_value(arguments))
  }
  inputs <- reticulate::iterate(reticulate::py_get_attr(func, "arguments"), simplify = FALSE)
  names_given <- names(arguments)
  if (is.null(names_given)) {
    if (length(arguments) != length(inputs)) {
      value_error(
        "`", arg, "` has ", length(arguments), " values but the Function has ",
        length(inputs), " inputs."
      )
    }
    keys <- inputs
  } else {
    input_names <- vapply(inputs, function(v) py_to_r(v$name), character(1))
    keys <- lapply(names_given, function(nm) {
      hit <- which(input_names == nm)
      if (length(hit) != 1) {
        value_error(
          "`", arg, "`: no single input of the Function is named \"", nm, "\" (inputs: ",
          paste0("\"", input_names, "\"", collapse = ", "), ")."
        )
      }
      inputs[[hit]]
    })
  }
  reticulate::py_dict(keys, lapply(unname(arguments), r_value), convert = FALSE)
}

# NULL -> None; a Variable -> [Variable]; a list of Variables -> a Python list.
as_variable_list <- function(x, arg) {
  if (is.null(x)) {
    return(NULL)
  }
  if (is_py(x)) {
    return(list(x))
  }
  if (!is.list(x) || !all(vapply(x, is_py, logical(1)))) {
    value_error("`", arg, "` must be a list of Variables or Parameters, not ", describe_value(x), ".")
  }
  unname(x)
}

# What the bridge described (cntkr_py._r_bridge.to_r) -> a new R array, or a
# list of them.
native_array <- function(spec) {
  .Call(cntkr_from_c, as.double(spec))
}

# What the bridge returns -> R: arrays (as_matrix = TRUE) or Python objects
# (tensors, as_matrix = FALSE); a Python list -> an R list of them.
from_bridge <- function(result, as_matrix) {
  if (as_matrix) {
    result <- py_to_r(result)
    if (!isTRUE(py_handles$native)) {
      return(result)
    }
    return(native_array(result))
  }
  if (inherits(result, "python.builtin.list")) {
    return(lapply(reticulate::iterate(result, simplify = FALSE), py_obj, convert = TRUE))
  }
  py_obj(result, convert = TRUE)
}
