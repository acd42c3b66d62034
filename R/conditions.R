# The conditions cntkr signals, and how values are quoted in their messages.
#
# Every error cntkr raises is a classed condition whose message names the R
# argument or variable, in R's words:
# - "value_error": a bad value (checked in R, or a Python ValueError),
# - "type_error": a value of the wrong kind found in Python (TypeError),
# - "cntkr_error": the parent class of both, and the class of anything else
#   Python raises (its message as Python wrote it, without reticulate's
#   traceback hint).
# Catch them with tryCatch(..., value_error = function(e) ...), as
# mlverse/torch's value_error(). No call is attached: the message names the
# argument.

cntkr_condition <- function(message, class = NULL) {
  structure(
    class = unique(c(class, "cntkr_error", "error", "condition")),
    list(message = message, call = NULL)
  )
}

value_error <- function(...) {
  stop(cntkr_condition(paste0(...), "value_error"))
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

# A Python exception that reached R (reticulate's condition, the exception
# object itself) signalled again as a cntkr condition: ValueError ->
# value_error, TypeError -> type_error, anything else -> cntkr_error, with
# Python's message (its str()). An R condition raised by R code that Python
# called (an R activation function) carries its R classes and message along
# (reticulate stores them on the exception) and is signalled as it was.
signal_python_error <- function(e) {
  r_class <- python_attribute(e, "r_class")
  if (is.character(r_class)) {
    message <- python_attribute(e, "message")
    if (!is.character(message) || length(message) != 1) {
      message <- python_message(e)
    }
    stop(structure(class = r_class, list(message = message, call = NULL)))
  }
  class <- if (inherits(e, "python.builtin.ValueError")) {
    "value_error"
  } else if (inherits(e, "python.builtin.TypeError")) {
    "type_error"
  }
  stop(cntkr_condition(python_message(e), class))
}

# reticulate's own errors (raised in its C++ code): an object restored from a
# saved session, or a value it cannot convert. A Ctrl+C (SIGINT) that Python
# turns into KeyboardInterrupt just after a call's last line, while reticulate
# looks up the class of the result (inspect.getmro, which only fails that way),
# reaches R as reticulate's error "Exception raised by 'inspect.getmro(...)'":
# it is the user's interrupt, and is signalled as one.
signal_reticulate_error <- function(e) {
  message <- conditionMessage(e)
  if (grepl("previous session", message, fixed = TRUE)) {
    stop(stale_object_error())
  }
  if (grepl("inspect.getmro", message, fixed = TRUE)) {
    signal_interrupt()
  }
  stop(cntkr_condition(message))
}

# What Ctrl+C does: an `interrupt` condition (tryCatch(interrupt = ) handlers
# see it), then back to the top level.
signal_interrupt <- function() {
  signalCondition(structure(class = c("interrupt", "condition"), list(message = "", call = NULL)))
  invokeRestart("abort")
}

python_message <- function(e) {
  tryCatch(reticulate::py_str(e), error = function(err) conditionMessage(err))
}

# Attribute `name` of a Python object converted to R, or NULL when it has none.
python_attribute <- function(x, name) {
  tryCatch(
    if (reticulate::py_has_attr(x, name)) py_to_r(reticulate::py_get_attr(x, name)),
    error = function(err) NULL
  )
}

# cntkr objects wrap Python objects that live in one R session: saveRDS() and
# readRDS() (or a saved workspace) bring back an empty shell.
check_alive <- function(x) {
  if (reticulate::py_is_null_xptr(x)) {
    stop(stale_object_error())
  }
  invisible(x)
}

stale_object_error <- function() {
  cntkr_condition(paste0(
    "This cntkr object is no longer valid: cntkr objects cannot be saved with saveRDS() or ",
    "save() and used in another R session (the Python object they stand for is gone). ",
    "Re-create it in this session; save weights as R arrays, e.g. ",
    "saveRDS(layer$W$value, \"W.rds\"), and restore them with `layer$W$value <- readRDS(\"W.rds\")`."
  ), "stale_object_error")
}
