#' Activation functions
#'
#' Element-wise activations, with CNTK's names. Each takes a Variable or
#' Function (or an R array, made a constant) and returns a Function. Pass them
#' unevaluated as a layer's `activation`, e.g.
#' `ConvolutionTranspose(3, 4, activation = op_relu)`.
#'
#' - `activation_identity(keep)`: `keep` unchanged (the layers' default).
#' - `op_relu(x)`: `max(x, 0)`.
#' - `op_sigmoid(x)`: `1 / (1 + exp(-x))`.
#' - `op_tanh(x)`: hyperbolic tangent.
#' - `op_softmax(x, axis)`: `exp(x) / sum(exp(x))` over `axis` (over all
#'   static axes when `axis = NULL`, as CNTK does).
#' - `op_elu(left, right)`: `left` where positive, else
#'   `right * (exp(left) - 1)`.
#' - `op_leaky_relu(x)`: `x` where positive, else `0.01 * x`.
#' - `op_softplus(x, steepness)`: `log(1 + exp(steepness * x)) / steepness`.
#' - `op_log_softmax(x, axis)`: `log(op_softmax(x, axis))`, over the last
#'   static axis when `axis = NULL` (CNTK's default).
#' - `op_hardmax(x)`: 1 at the first largest element over all static axes, 0
#'   elsewhere (gradient 0).
#' - `op_selu(x, scale, alpha)`: `scale * x` where `x >= 0`, else
#'   `scale * alpha * (exp(x) - 1)` (CNTK 2.7's; CNTK-R has no `op_selu()`).
#' - `op_param_relu(alpha, x)`: `x` where `x >= 0`, else `alpha * x`; `alpha`
#'   is usually a parameter ([op_parameter()]) broadcast with `x`.
#'
#' At 0, `op_elu()`, `op_selu()`, `op_leaky_relu()` and `op_param_relu()`
#' take the linear branch (gradient 1, or `scale`), `op_relu()` has gradient
#' 0, as in CNTK.
#'
#' @section Shape:
#' The output has the shape of the input (`x`, `keep` or `left`); for
#' `op_param_relu()` the NumPy broadcast of the shapes of `alpha` and `x`.
#'
#' @param keep,x,left The input: a Variable or Function, e.g. from
#'   [op_input_variable()] or a layer, or an R array.
#' @param alpha For `op_param_relu()`: the slope for negative `x`, a
#'   Parameter, Variable, number or R array. For `op_selu()`: a number.
#' @param scale The scale of `op_selu()`, a number.
#' @param right The `alpha` of the exponential linear unit, a positive
#'   number; `1` when missing (CNTK-R's signature names it `right`).
#' @param axis 0-based static axis for `op_softmax()` and `op_log_softmax()`
#'   (negative counts from the end), a whole number, or `NULL` for all axes
#'   (`op_softmax()`) or the last one (`op_log_softmax()`).
#' @param steepness Steepness of `op_softplus()`, a non-zero number; `1` is
#'   the plain softplus.
#' @param name Name of the resulting Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' func_eval(op_relu(x), matrix(c(-1, 0, 2), nrow = 1))
#' func_eval(op_softplus(x, steepness = 2), matrix(c(-1, 0, 2), nrow = 1))
#' layer <- ConvolutionTranspose(2, num_filters = 1, activation = op_tanh)
#' @name activations
NULL

#' @rdname activations
#' @export
activation_identity <- function(keep) {
  cntk_call("identity", as_operand(keep))
}

#' @rdname activations
#' @export
op_relu <- function(x, name = "") {
  cntk_call("relu", as_operand(x), name = as_name(name))
}

#' @rdname activations
#' @export
op_sigmoid <- function(x, name = "") {
  cntk_call("sigmoid", as_operand(x), name = as_name(name))
}

#' @rdname activations
#' @export
op_tanh <- function(x, name = "") {
  cntk_call("tanh", as_operand(x), name = as_name(name))
}

#' @rdname activations
#' @export
op_softmax <- function(x, axis = NULL, name = "") {
  cntk_call("softmax", as_operand(x), axis = as_nullable_integer(axis), name = as_name(name))
}

#' @rdname activations
#' @export
op_elu <- function(left, right, name = "") {
  args <- list(as_operand(left), name = as_name(name))
  if (!missing(right)) {
    args$alpha <- as_number(right)
  }
  do.call(cntk_call, c("elu", args))
}

#' @rdname activations
#' @export
op_leaky_relu <- function(x, name = "") {
  cntk_call("leaky_relu", as_operand(x), name = as_name(name))
}

#' @rdname activations
#' @export
op_softplus <- function(x, steepness = 1, name = "") {
  cntk_call("softplus", as_operand(x), steepness = as_number(steepness, nonzero = TRUE), name = as_name(name))
}

#' @rdname activations
#' @export
op_log_softmax <- function(x, axis = NULL, name = "") {
  cntk_call("log_softmax", as_operand(x), axis = as_nullable_integer(axis), name = as_name(name))
}

#' @rdname activations
#' @export
op_hardmax <- function(x, name = "") {
  cntk_call("hardmax", as_operand(x), name = as_name(name))
}

#' @rdname activations
#' @export
op_selu <- function(x, scale = 1.0507009873554805, alpha = 1.6732632423543772, name = "") {
  cntk_call("selu", as_operand(x), scale = as_number(scale), alpha = as_number(alpha), name = as_name(name))
}

#' @rdname activations
#' @export
op_param_relu <- function(alpha, x, name = "") {
  cntk_call("param_relu", as_math_operand(alpha), as_math_operand(x), name = as_name(name))
}

# The Python activation behind each of cntkr's R activations: a layer given
# one of these calls Python directly, without a round trip through R.
python_activations <- c(
  activation_identity = "identity", op_relu = "relu", op_sigmoid = "sigmoid",
  op_tanh = "tanh", op_softmax = "softmax", op_elu = "elu",
  op_leaky_relu = "leaky_relu", op_softplus = "softplus", op_log_softmax = "log_softmax",
  op_hardmax = "hardmax", op_selu = "selu"
)

# `activation` argument -> a Python callable (or None).
as_activation <- function(activation, arg = "activation") {
  if (is.null(activation) || is_py(activation)) {
    return(activation)
  }
  if (!is.function(activation)) {
    value_error(
      "`", arg, "` must be a function of one argument such as op_relu, not ",
      describe_value(activation), "."
    )
  }
  ns <- asNamespace("cntkr")
  for (r_name in names(python_activations)) {
    if (identical(activation, get(r_name, envir = ns))) {
      return(python_function(python_activations[[r_name]]))
    }
  }
  n_required <- sum(vapply(formals(activation), function(f) identical(f, quote(expr = )), logical(1)))
  has_dots <- "..." %in% names(formals(activation))
  if (!is.primitive(activation) && (n_required > 1 || (length(formals(activation)) == 0 && !has_dots))) {
    value_error("`", arg, "` must be a function of one argument, not a function of ", n_required, ".")
  }
  force(activation)
  r_to_py(function(x) {
    y <- activation(x)
    if (!is_py(y)) {
      value_error(
        "`", arg, "` must return a cntkr Function (built from cntkr ops such as op_relu()), ",
        "not ", describe_value(y), "."
      )
    }
    y
  })
}

# An op's input: Python objects pass; R numbers become a float32 array.
as_operand <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) {
    return(x)
  }
  if (is.numeric(x)) {
    return(as_numpy_array(x, "float32", arg = arg))
  }
  value_error("`", arg, "` must be a Variable, a Function or a numeric array, not ", describe_value(x), ".")
}
