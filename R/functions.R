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
#'   input; for several, `dict(x = xv, y = yv)` with the Variables' R names
#'   (see [dict()]), a list named by the Variables' `name`s, or an unnamed list
#'   in the order of `func$arguments`. Real numbers only: complex values and
#'   `NA` are rejected.
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
  check_py(func, "func", "a cntkr Function such as layer(x)")
  bridge_call(
    "eval", func, function_arguments(arguments, "arguments"), as_variable_list(outputs, "outputs"),
    device, as_flag(as_matrix, "as_matrix"), "arguments"
  )
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
  check_py(func, "func", "a cntkr Function such as layer(x)")
  result <- bridge_call(
    "grad", func, function_arguments(at, "at"), as_variable_list(wrt, "wrt"),
    as_variable_list(outputs, "outputs"), device, as_flag(as_matrix, "as_matrix"), grad_root, "at"
  )
  if (is.null(outputs)) {
    return(result)
  }
  # Python returns [gradients, output values]
  list(gradients = result[[1]], outputs = result[[2]])
}

#' Create a dictionary of input values
#'
#' Pairs input Variables with their values for [func_eval()] and
#' [func_grad()], as CNTK-R's `dict()` (reticulate's) did. Each argument's
#' name is looked up as an R variable in the calling environment first: when
#' it holds a Variable, that Variable is the key. Otherwise the name stays a
#' string, which [func_eval()] resolves to the input of that `name` (as CNTK
#' resolves string keys). The values (R arrays) are converted to C-order
#' arrays of each input's dtype when the Function is evaluated.
#'
#' @param ... Name-value pairs, e.g. `dict(x = xv, y = yv)` where `x` and `y`
#'   are Variables from [op_input_variable()] (R variables), or
#'   `dict(features = xv)` for an input made with `name = "features"`.
#' @return A Python dictionary.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "features")
#' f <- op_relu(x)
#' func_eval(f, dict(x = matrix(c(-1, 1), 1, 2)))        # keyed by the R variable x
#' func_eval(f, dict(features = matrix(c(-1, 1), 1, 2))) # keyed by the input's name
#' @export
dict <- function(...) {
  values <- list(...)
  keys <- names(values)
  if (length(values) > 0 && (is.null(keys) || any(!nzchar(keys)))) {
    value_error("every argument of `dict()` must be named, e.g. dict(x = xv).")
  }
  frame <- parent.frame()
  keys <- lapply(keys, function(key) {
    object <- get0(key, envir = frame, inherits = TRUE)
    if (is_py(object)) object else key
  })
  with_python(reticulate::py_dict(keys, lapply(unname(values), r_value), convert = FALSE))
}

# ------------------------------------------------------------------ helpers

# func_eval's `arguments` / func_grad's `at` as cntkr_py._r_bridge takes them:
# NULL, one value (for a Function with one input), a Python dict (dict()), a
# named list (a dict keyed by the inputs' names) or an unnamed list (a tuple,
# in the order of func$arguments). R arrays go as they are (reticulate shares
# their memory); the bridge converts them, in one pass, to C-order arrays of
# each input's dtype.
function_arguments <- function(arguments, arg) {
  if (is.null(arguments) || is_py(arguments)) {
    return(arguments)
  }
  if (!is.list(arguments)) {
    return(r_value(arguments))
  }
  values <- lapply(arguments, r_value) # keeps the names
  keys <- names(values)
  if (is.null(keys)) {
    return(tuple(values))
  }
  if (any(!nzchar(keys))) {
    value_error(
      "`", arg, "` must be a list named by the inputs' names, or an unnamed list in the ",
      "order of the Function's inputs (func$arguments), not a partly named list."
    )
  }
  twice <- keys[duplicated(keys)]
  if (length(twice)) {
    value_error("`", arg, "` names the input '", twice[[1]], "' twice: give each input one value.")
  }
  # a named list as it is: reticulate hands it to Python as a dict keyed by the
  # names, in the same call (no round trip of its own: this runs every step)
  values
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

#' Forward and backward passes
#'
#' `func_forward()` computes outputs as [func_eval()] does; given
#' `keep_for_backward` (the outputs to differentiate later) it runs training
#' mode instead, as CNTK 2.7 does ([BatchNormalization()] uses and updates
#' its batch statistics, [Dropout()] drops), and returns a state for
#' `func_backward()`, which computes gradients of those outputs, seeded with
#' `root_gradients`, with respect to `variables`.
#'
#' @section Shape:
#' Input values as in [func_eval()]; `root_gradients` has the output's
#' `dim = c(batch, func$shape)`; each gradient has its variable's shape
#' (`c(batch, shape)` for an input).
#'
#' @param func The Function.
#' @param arguments The input values, as in [func_eval()].
#' @param outputs The outputs to compute: a list of Variables, or `NULL` for
#'   the Function's output.
#' @param keep_for_backward `NULL` (inference, no state) or a list of the
#'   outputs `func_backward()` will start from, e.g. `list(f)`.
#' @param device The device to compute on, or `NULL` for the default device.
#' @param as_matrix Whether to return R arrays (`TRUE`) or NumPy arrays
#'   (`FALSE`).
#' @param state What `func_forward()` returned as `state`.
#' @param root_gradients The gradient of the output (an R array), or
#'   `dict()` keyed by kept outputs.
#' @param variables The inputs and Parameters to differentiate with respect
#'   to: a list of them, or one.
#' @return `func_forward()`: a list of `state` (`NULL` without
#'   `keep_for_backward`) and `outputs` (as [func_eval()] returns them).
#'   `func_backward()`: the gradient as an R array when there is one variable,
#'   else an unnamed list in the order of `variables`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3, needs_gradient = TRUE)
#' layer <- BatchNormalization()
#' f <- layer(x)
#' xv <- matrix(rnorm(12), 4, 3)
#' fw <- func_forward(f, xv, keep_for_backward = list(f))
#' g <- func_backward(f, fw$state, array(1, c(4, 3)), list(x, layer$scale))
#' str(g)
#' @export
func_forward <- function(func, arguments, outputs = NULL,
                         keep_for_backward = NULL, device = NULL,
                         as_matrix = TRUE) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  result <- bridge_call(
    "forward", func, function_arguments(arguments, "arguments"), as_variable_list(outputs, "outputs"),
    as_variable_list(keep_for_backward, "keep_for_backward"), device, as_flag(as_matrix, "as_matrix"),
    "arguments"
  )
  list(state = result[[1]], outputs = result[[2]])
}

#' @rdname func_forward
#' @export
func_backward <- function(func, state, root_gradients, variables,
                          as_matrix = TRUE) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  check_py(state, "state", "the state func_forward(..., keep_for_backward = ...) returned")
  bridge_call(
    "backward", func, state, if (is_py(root_gradients)) root_gradients else r_value(root_gradients),
    as_variable_list(variables, "variables"), as_flag(as_matrix, "as_matrix")
  )
}

#' Find nodes of a Function by name
#'
#' `func_find_by_name()` returns the node (a Function, Parameter, Constant or
#' input) named `name` in `func`'s graph, or `NULL`; `func_find_all_with_name()`
#' all of them, from the output backwards. Named layers are also reachable
#' as `func$<name>` (`z$classify$b$value`).
#'
#' @section Shape:
#' Not applicable: the nodes keep their own shapes.
#'
#' @param func The Function.
#' @param name The name (a string).
#' @param depth Accepted for CNTK-R's signature (a whole number; there are no
#'   blocks to look into).
#' @return `func_find_by_name()`: the node or `NULL` (an error when several
#'   are named so); `func_find_all_with_name()`: a list of nodes.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' z <- Sequential(LayerNormalization(name = "norm"), Label("out"))(x)
#' func_find_by_name(z, "norm")
#' length(func_find_all_with_name(z, "scale"))
#' @export
func_find_by_name <- function(func, name, depth = 0) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  cntk_call("ops.functions.Function.find_by_name", func, as_name(name),
            depth = as_integer(depth, minimum = 0))
}

#' @rdname func_find_by_name
#' @export
func_find_all_with_name <- function(func, name, depth = 0) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  cntk_call("ops.functions.Function.find_all_with_name", func, as_name(name),
            depth = as_integer(depth, minimum = 0))
}

#' Clone a Function
#'
#' A copy of `func`'s graph with inputs replaced by `substitutions`.
#' `CloneMethod("share")` keeps the Parameters, `"clone"` makes new ones with
#' their current values, `"freeze"` turns them into Constants.
#'
#' @section Shape:
#' Shapes are inferred anew from the substituted inputs.
#'
#' @param func The Function.
#' @param method `CloneMethod("share")`, `"clone"` or `"freeze"` (or the
#'   string itself).
#' @param substitutions `NULL`, or `dict()` mapping old inputs to new
#'   Variables.
#' @param value `"share"`, `"clone"` or `"freeze"`.
#' @return `func_clone()`: a Function; `CloneMethod()`: the method.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' f <- LayerNormalization()(x)
#' y <- op_input_variable(3)
#' g <- func_clone(f, CloneMethod("freeze"), dict(x = y))
#' length(g$parameters)
#' @export
func_clone <- function(func, method, substitutions = NULL) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  cntk_call("ops.functions.Function.clone", func, method, substitutions)
}

#' @rdname func_clone
#' @export
CloneMethod <- function(value) {
  if (!is.character(value) || length(value) != 1 || !value %in% c("share", "clone", "freeze")) {
    value_error("`value` must be \"share\", \"clone\" or \"freeze\", not ", describe_value(value), ".")
  }
  value
}

#' Replace placeholders
#'
#' Replaces placeholders ([op_placeholder()]) of `func` by Variables or
#' Functions, in place as CNTK does; every shape is inferred anew.
#'
#' @section Shape:
#' The shapes follow from the substituted inputs.
#'
#' @param func The Function.
#' @param substitutions `dict()` mapping placeholders to Variables or
#'   Functions.
#' @param substitution The Variable or Function for the Function's only
#'   placeholder.
#' @return The Function (changed in place).
#' @examplesIf is_cntkr_available()
#' p <- op_placeholder()
#' f <- op_sigmoid(p)
#' f <- func_replace_placeholder(f, op_input_variable(2))
#' f$shape
#' @export
func_replace_placeholders <- function(func, substitutions) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  cntk_call("ops.functions.Function.replace_placeholders", func, substitutions)
}

#' @rdname func_replace_placeholders
#' @export
func_replace_placeholder <- function(func, substitution) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  check_py(substitution, "substitution", "a Variable or Function")
  cntk_call("ops.functions.Function.replace_placeholder", func, substitution)
}
