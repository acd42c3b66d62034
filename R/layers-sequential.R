# Composition: Sequential and For (cntkr_py/layers/sequential.py), with
# CNTK-R's signatures. Layers combine with %>% too (see cntkr's `%>%` export).

#' Sequential composition of layers
#'
#' `Sequential()` makes a layer that applies the given layers one after the
#' other: `Sequential(A, B, C)(x)` is `C(B(A(x)))`. A layer given a `name`
#' is reachable from the result by that name (`z$classify$b$value`).
#'
#' @param ... Layers (or lists of them, flattened), cntkr ops such as
#'   `op_relu`, or R functions of one argument.
#' @return A layer; its output keeps the last layer's name.
#' @section Shape:
#' Input: the first layer's; output: the last layer's.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3))
#' z <- Sequential(LayerNormalization(name = "norm"), Dropout(0.2), Label("out"))(x)
#' z$name
#' dim(z$norm$scale$value)
#' @export
Sequential <- function(...) {
  layers <- list(...)
  cntk_call("layers.Sequential", sequential_layers(layers, "..."))
}

#' Repeated layers
#'
#' `For()` makes `Sequential()` of `constructor(i)` for each `i` in `range`
#' (or `constructor()` when it takes no argument).
#'
#' @param range The values to pass, e.g. `0:2` (whole numbers).
#' @param constructor An R function returning a layer.
#' @param name Name of the composite's output (a string).
#' @return A layer.
#' @section Shape:
#' Input: the first layer's; output: the last layer's.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(4)
#' f <- For(1:3, function(i) Dropout(0.1 * i))(x)
#' f$attributes$dropoutRate
#' @export
For <- function(range, constructor, name = "") {
  if (!is.function(constructor)) {
    value_error("`constructor` must be a function returning a layer, not ",
                describe_value(constructor), ".")
  }
  if (!is.numeric(range) || anyNA(range) || any(range != floor(range))) {
    value_error("`range` must hold whole numbers, e.g. 0:2, not ", describe_value(range), ".")
  }
  values <- as.list(as.integer(range))
  takes_arg <- length(formals(constructor)) > 0
  layers <- lapply(values, function(i) if (takes_arg) constructor(i) else constructor())
  cntk_call("layers.Sequential", sequential_layers(layers, "constructor()"), name = as_name(name))
}

# Layers for Sequential(): Python objects as they are, R functions as
# activations (cntkr ops map to the Python op), lists flattened.
sequential_layers <- function(layers, arg) {
  out <- list()
  for (i in seq_along(layers)) {
    layer <- layers[[i]]
    if (is.list(layer) && !is_py(layer)) {
      out <- c(out, sequential_layers(layer, arg))
    } else if (is_py(layer) || is.function(layer)) {
      out[[length(out) + 1]] <- if (is_py(layer)) layer else as_activation(layer, paste0(arg, "[[", i, "]]"))
    } else {
      value_error("`", arg, "` must hold layers or functions, not ", describe_value(layer),
                  " (element ", i, ").")
    }
  }
  out
}

#' Pipe
#'
#' magrittr's `%>%` (`lhs %>% fn(...)` is `fn(lhs, ...)`: `f %>% func_eval(xv)`,
#' `x %>% op_relu()`), which also composes layers as CNTK-R's scripts do: a
#' layer piped into a layer, a cntkr op or an R function of one argument is
#' their [Sequential()] composition (`Dense(500) %>% op_relu`,
#' `Dense(500) %>% Activation(op_relu)()`).
#'
#' @param lhs A value, or a layer.
#' @param rhs A function call, or (after a layer) a layer, op or function.
#' @return The result of the call; after a layer, the composed layer.
#' @section Shape:
#' That of the call's result; a composed layer maps the first layer's input
#' to the last one's output.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' f <- x %>% op_relu()
#' f %>% func_eval(matrix(c(-1, 0, 1), 1, 3))
#' model <- LayerNormalization() %>% op_relu
#' func_eval(model(x), matrix(c(-1, 0, 1), 1, 3))
#' @importFrom magrittr %>%
#' @name pipe
#' @export
`%>%` <- function(lhs, rhs) {
  rhs_expr <- substitute(rhs)
  env <- parent.frame()
  if (is_py(lhs) && inherits(lhs, "cntkr_py.layers.base.Layer") && is.symbol(rhs_expr)) {
    fn <- eval(rhs_expr, env)
    if (is.function(fn) || is_py(fn)) {
      return(Sequential(lhs, fn))
    }
  }
  eval(as.call(list(magrittr::`%>%`, lhs, rhs_expr)), env)
}
