# The one way R calls Python: reticulate, through the helpers below.
#
# - with_python(expr): every call into Python runs inside it. It turns Python
#   exceptions into cntkr's classed R conditions (conditions.R) and notices a
#   forked R process (parallel::mclapply) before it calls into Python again.
# - cntk_call("layers.ConvolutionTranspose", ...): calls a function of the
#   Python package cntkr_py, looked up once per session.
# - bridge_call("eval", ...): calls a function of cntkr_py._r_bridge, the
#   Python module that does the per-call work of func_eval() and func_grad()
#   and converts arrays.
#
# Arrays. reticulate hands an R double array to Python as a Fortran-ordered
# float64 NumPy array that shares R's memory; the bridge copies it into a
# C-order array of the input's dtype in one pass (rejecting NA/NaN and complex
# values), and returns results as Fortran-ordered float64 arrays, which
# reticulate copies into new R arrays as they are. Both passes are this
# package's C code (src/layout.c), which the bridge calls through ctypes on
# arrays it owns: R code never hands an address to C. Only doubles share
# memory, so integers and logicals (and their NA) become doubles first
# (r_value()).

# Python handles, filled in once per session by load_python().
py_handles <- new.env(parent = emptyenv())

is_py <- function(x) inherits(x, "python.builtin.object")

# Runs `expr`, which calls into Python: Python's exceptions become cntkr's R
# conditions; an R interrupt (Ctrl+C, which reticulate turns into Python's
# KeyboardInterrupt and back) passes through as an interrupt.
with_python <- function(expr) {
  if (!identical(py_handles$pid, Sys.getpid())) {
    check_process()
  }
  tryCatch(
    expr,
    python.builtin.Exception = signal_python_error,
    `Rcpp::exception` = signal_reticulate_error
  )
}

# In a forked child of the process that loaded Python (parallel::mclapply),
# the bridge drops torch to one thread: torch's OpenMP thread pool does not
# survive fork(), and its next multi-threaded kernel would wait forever.
check_process <- function() {
  bridge <- py_handles$bridge
  if (!is.null(bridge)) {
    reticulate::py_call(reticulate::py_get_attr(bridge, "check_fork"))
    py_handles$pid <- Sys.getpid()
  }
}

# Imports cntkr_py (the module `cntk`, delay-loaded by .onLoad, whose on_error
# tells the user how to install it) and its R bridge, once per session.
load_python <- function() {
  if (is.null(py_handles$bridge)) {
    reticulate::py_get_attr(cntk, "Function") # resolves the delayed import
    bridge <- reticulate::import("cntkr_py._r_bridge", convert = FALSE)
    shapes <- reticulate::import("cntkr_py._shapes", convert = FALSE)
    # Python's own messages then quote values as R literals (c(2, 3), TRUE, NULL)
    reticulate::py_call(reticulate::py_get_attr(shapes, "set_message_style"), "r")
    dll <- getLoadedDLLs()[["cntkr"]]
    if (!is.null(dll)) {
      reticulate::py_call(reticulate::py_get_attr(bridge, "use_native"), dll[["path"]])
    }
    py_handles$functions <- list()
    py_handles$bridge_functions <- list()
    py_handles$pid <- Sys.getpid()
    py_handles$bridge <- bridge
  }
  invisible()
}

# The Python callable at `path` below cntkr_py ("relu", "layers.ConvolutionTranspose"),
# or below its R bridge (`bridge = TRUE`), looked up once per session.
python_function <- function(path, bridge = FALSE) {
  cache <- if (bridge) "bridge_functions" else "functions"
  fn <- py_handles[[cache]][[path]]
  if (is.null(fn)) {
    load_python()
    fn <- if (bridge) py_handles$bridge else cntk
    for (part in strsplit(path, ".", fixed = TRUE)[[1]]) {
      fn <- reticulate::py_get_attr(fn, part)
    }
    py_handles[[cache]][[path]] <- fn
  }
  fn
}

# Calls cntkr_py's function at `path` (see python_function()); named arguments
# go as keywords. The result is converted to R where reticulate converts it
# (numbers, lists, arrays); cntkr objects stay as they are.
cntk_call <- function(path, ...) {
  with_python(py_to_r(reticulate::py_call(python_function(path), ...)))
}

# Calls the bridge's function `name` with positional arguments; the result is
# converted to R (arrays, lists of them) unless `convert = FALSE`.
bridge_call <- function(name, ..., convert = TRUE) {
  with_python({
    result <- reticulate::py_call(python_function(name, bridge = TRUE), ...)
    if (convert) py_to_r(result) else result
  })
}

# ---------------------------------------------------------------- arrays in

# R values as the bridge reads them: doubles share R's memory.
r_value <- function(x) {
  if ((is.integer(x) || is.logical(x)) && !is.object(x)) {
    storage.mode(x) <- "double"
  }
  x
}

# An R array (dim c(batch, ...)), vector or number -> a new C-order NumPy array
# of `dtype`, with the same indexing. NumPy arrays (Python objects) are made
# C-contiguous of `dtype`; anything else (complex, character, NA) is rejected
# with an error naming `arg`.
as_numpy_array <- function(x, dtype = "float32", arg = deparse(substitute(x))) {
  force(arg)
  bridge_call("from_r", r_value(x), dtype, arg, convert = FALSE)
}

# ---------------------------------------------------------------- checks on Python objects

# `x` must be a Python object (with_python() reports one from a saved session).
check_py <- function(x, arg, what) {
  if (!is_py(x)) {
    value_error("`", arg, "` must be ", what, ", not ", describe_value(x), ".")
  }
  x
}
