# Default options of the layers (cntkr_py/default_options.py), with CNTK-R's
# signatures: default_options(...) and default_options_for(functions, ...)
# return a Python context manager, used with R's with() as in CNTK-R:
#   with(default_options(activation = op_relu, pad = TRUE), { ... })

# The layer arguments that default_options() can override (CNTK 2.7's), with
# the helper that coerces each; other options are rejected.
option_coercions <- list(
  activation = function(x) as_activation(x, "activation"),
  init = function(x) as_init(x, "init"),
  init_bias = function(x) as_number(x, "init_bias"),
  bias = function(x) as_flag(x, "bias"),
  pad = function(x) as_pad(x, "pad"),
  dtype = function(x) type_map(x, "dtype"),
  map_rank = function(x) as_nullable_integer(x, "map_rank", minimum = 0),
  epsilon = function(x) as_number(x, "epsilon"),
  normalization_time_constant = function(x) as_time_constant(x, "normalization_time_constant"),
  use_cntk_engine = function(x) as_flag(x, "use_cntk_engine"),
  disable_regularization = function(x) as_flag(x, "disable_regularization")
)

as_options <- function(options) {
  keys <- names(options)
  if (length(options) > 0 && (is.null(keys) || any(!nzchar(keys)))) {
    value_error("Every option given to default_options() must be named (such as `pad = TRUE`).")
  }
  unknown <- setdiff(keys, names(option_coercions))
  if (length(unknown) > 0) {
    value_error(
      "`", unknown[[1]], "` is not a layer option default_options() can set; ",
      "the options are ", paste(names(option_coercions), collapse = ", "), "."
    )
  }
  # a NULL option (map_rank = NULL, dtype = NULL) stays in the list
  out <- vector("list", length(options))
  names(out) <- keys
  for (key in keys) {
    value <- option_coercions[[key]](options[[key]])
    if (!is.null(value)) out[[key]] <- value
  }
  out
}

# Drops from a layer's arguments the overridable ones its caller (the layer
# function, `env`) left at their defaults, so that Python resolves them from
# the innermost default_options() (CNTK-R's layers default to the same values).
given_options <- function(args, env = parent.frame()) {
  for (key in intersect(names(args), names(option_coercions))) {
    if (eval(call("missing", as.name(key)), env)) {
      args[key] <- NULL
    }
  }
  args
}

#' Default options of layers
#'
#' `default_options()` overrides the defaults of the layers built inside it:
#' use it with R's [with()], as in CNTK-R and CNTK 2.7's
#' `with default_options(...)`. A layer argument given explicitly always wins;
#' an inner `default_options()` wins over an outer one.
#' `default_options_for()` does the same for the given layer functions only.
#'
#' @param ... Named options, each a layer argument with its R value:
#'   `activation` (a function such as `op_relu`), `init` (an initializer such
#'   as `init_he_normal()`, or a number), `init_bias` (a number), `bias`
#'   (`TRUE`/`FALSE`), `pad` (`TRUE`/`FALSE` or one per axis), `dtype`
#'   (`"float32"`, `"float64"`), `map_rank`, `epsilon`,
#'   `normalization_time_constant`, `use_cntk_engine`, `disable_regularization`.
#' @param functions A layer function (such as `Dense`) or a list of them,
#'   whose defaults are overridden.
#' @return A context manager: pass it to [with()] with the code that builds
#'   the layers.
#' @section Shape:
#' Options do not change shapes by themselves; `pad = TRUE` gives
#' convolution and pooling layers `ceiling(n / stride)` outputs per axis.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 8, 8))
#' model <- with(default_options(activation = op_relu, pad = TRUE), {
#'   Sequential(Convolution2D(c(3, 3), 4), MaxPooling(c(2, 2), strides = 2))
#' })
#' model(x)$shape
#' d <- with(default_options_for(Dense, bias = FALSE), Dense(3))
#' @export
default_options <- function(...) {
  do.call(cntk_call, c("default_options", as_options(list(...))))
}

#' @rdname default_options
#' @export
default_options_for <- function(functions, ...) {
  do.call(cntk_call, c(list("default_options_for", as_layer_functions(functions)),
                       as_options(list(...))))
}

# A layer function of cntkr (Dense, Convolution2D...) or a list of them ->
# a list of the Python layer functions.
as_layer_functions <- function(functions) {
  if (is.function(functions) || is_py(functions)) {
    functions <- list(functions)
  }
  if (!is.list(functions) || length(functions) == 0) {
    value_error(
      "`functions` must be a layer function such as Dense or a list of them, not ",
      describe_value(functions), "."
    )
  }
  ns <- asNamespace("cntkr")
  lapply(functions, function(fn) {
    if (is_py(fn)) {
      return(fn)
    }
    if (is.function(fn)) {
      for (name in layer_function_names) {
        if (identical(fn, get0(name, envir = ns))) {
          return(python_function(paste0("layers.", name)))
        }
      }
    }
    value_error(
      "`functions` must hold layer functions of cntkr such as Dense, not ",
      describe_value(fn), "."
    )
  })
}

layer_function_names <- c(
  "Dense", "Embedding", "Convolution", "Convolution1D", "Convolution2D",
  "Convolution3D", "ConvolutionTranspose", "ConvolutionTranspose1D",
  "ConvolutionTranspose2D", "ConvolutionTranspose3D", "MaxPooling",
  "AveragePooling", "BatchNormalization", "LayerNormalization", "Activation"
)

#' Overridable defaults and global options
#'
#' The rest of CNTK 2.7's `default_options` module, as CNTK-R exported it:
#' `default_override_or(value)` marks a default that [default_options()] may
#' override; `get_default_override(function_or_class, ...)` resolves one such
#' argument (`NULL`: the innermost override of any scope);
#' `is_default_override(value)` tells whether `value` is such a default.
#' `set_global_option(key, value)` and `get_global_option(key, default_value)`
#' keep session-wide options (the value last set, else `default_value`).
#'
#' @param value A default value (for `default_override_or()`), a value to
#'   test, or the value of a global option.
#' @param function_or_class A layer function (such as `Dense`) or `NULL`.
#' @param ... One named argument: its name is the option, its value the
#'   caller's value or a `default_override_or()` default.
#' @param key The global option's name (a string).
#' @param default_value What `get_global_option()` returns when `key` was
#'   never set.
#' @return `default_override_or()`: the marked default (a Python object).
#'   `get_default_override()`: the value to use. `is_default_override()`:
#'   `TRUE` or `FALSE`. `get_global_option()`: the option's value.
#'   `set_global_option()`: `NULL`, invisibly.
#' @section Shape:
#' No shapes: these hold options.
#' @examplesIf is_cntkr_available()
#' d <- default_override_or(TRUE)
#' is_default_override(d)
#' with(default_options(pad = FALSE), get_default_override(NULL, pad = d))
#' set_global_option("my_option", 3)
#' get_global_option("my_option", 0)
#' @name default_override_or
NULL

#' @rdname default_override_or
#' @export
default_override_or <- function(value) {
  cntk_call("default_override_or", value)
}

#' @rdname default_override_or
#' @export
get_default_override <- function(function_or_class, ...) {
  args <- list(...)
  if (length(args) != 1 || is.null(names(args)) || !nzchar(names(args))) {
    value_error("get_default_override() takes one named argument (such as `pad = value`), not ",
                length(args), ".")
  }
  target <- if (is.null(function_or_class)) NULL else as_layer_functions(function_or_class)[[1]]
  do.call(cntk_call, c(list("get_default_override", target), args))
}

#' @rdname default_override_or
#' @export
is_default_override <- function(value) {
  cntk_call("is_default_override", value)
}

#' @rdname default_override_or
#' @export
get_global_option <- function(key, default_value) {
  cntk_call("get_global_option", as_name(key), default_value)
}

#' @rdname default_override_or
#' @export
set_global_option <- function(key, value) {
  cntk_call("set_global_option", as_name(key), value)
  invisible(NULL)
}
