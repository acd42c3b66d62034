#' cntkr: CNTK-R's API on PyTorch
#'
#' cntkr keeps the names, argument names and defaults of CNTK-R (the R
#' interface to the Microsoft Cognitive Toolkit) and computes with
#' `cntkr_py`, a Python package that re-implements the needed part of CNTK
#' 2.7's Python API on PyTorch. Scripts written for CNTK-R run after
#' `library(cntk)` becomes `library(cntkr)`.
#'
#' Shapes are given in CNTK-Python order (channels first) and axes are
#' 0-based, exactly as CNTK-R passed them. An R array with `dim(x) = c(batch,
#' ...)` is a batch of inputs.
#'
#' The Python side is found through the `RETICULATE_PYTHON` environment
#' variable or, when that is unset, in the virtual environment made by
#' [install_cntkr()].
#'
#' @keywords internal
#' @useDynLib cntkr, .registration = TRUE
"_PACKAGE"

# The Python module, imported lazily in .onLoad (keras' habit): loading the R
# package never needs Python; the first use does (load_python(), bridge.R).
cntk <- NULL

# Name of the virtual environment made by install_cntkr().
cntkr_envname <- "r-cntkr"

.onLoad <- function(libname, pkgname) {
  register_cntkr_classes()
  if (reticulate::py_available(initialize = FALSE)) {
    torch_own_blas() # Python runs already: cntkr_py is imported right below
  }
  # `environment`: without RETICULATE_PYTHON, reticulate prefers the
  # virtual environment that install_cntkr() made.
  cntk <<- reticulate::import(
    "cntkr_py",
    delay_load = list(
      priority = 5,
      environment = cntkr_envname,
      before_load = torch_own_blas,
      on_error = function(e) {
        why <- if (inherits(e, "python.builtin.BaseException")) {
          paste0(sub("^python[.]builtin[.]", "", class(e)[[1]]), ": ", python_message(e))
        } else {
          conditionMessage(e)
        }
        stop(cntkr_condition(paste0(
          "cntkr could not load the Python package 'cntkr_py' (", why, ").\n",
          "Install it with cntkr::install_cntkr(), or point the RETICULATE_PYTHON ",
          "environment variable at a Python that has 'cntkr_py' and 'torch' installed, ",
          "then restart R."
        ), "python_missing_error"))
      }
    )
  )
}

.onUnload <- function(libpath) {
  # The bridge calls this package's shared library through ctypes (src/layout.c): tell it to
  # stop before R unloads the library, so that a later call cannot jump into unmapped code.
  bridge <- py_handles$bridge
  if (!is.null(bridge)) {
    try(reticulate::py_call(reticulate::py_get_attr(bridge, "use_native"), NULL), silent = TRUE)
    rm(list = ls(py_handles), envir = py_handles)
  }
  library.dynam.unload("cntkr", libpath)
}

# Makes torch use the BLAS it ships with (MKL) in this R process, before torch
# is first imported. R loads its own BLAS (on Debian the reference libblas) at
# startup, so its `sgemm_` comes first in the process's global symbol scope and
# torch's calls to `sgemm_` bind to it: every torch matrix product and GEMM-based
# convolution then ran ~20x slower from R than from Python (a 512x512 matmul:
# 78 vs 3.6 ms). Loading libtorch_cpu first with RTLD_DEEPBIND makes it look up
# its own symbols first. Linux only (macOS binds symbols per library anyway);
# does nothing when torch is imported already, and never fails.
torch_own_blas <- function() {
  try(reticulate::py_run_string(local = TRUE, "
import os, sys
if 'torch' not in sys.modules and hasattr(os, 'RTLD_DEEPBIND'):
    import ctypes, importlib.util
    spec = importlib.util.find_spec('torch')
    if spec is not None and spec.submodule_search_locations:
        lib = os.path.join(list(spec.submodule_search_locations)[0], 'lib', 'libtorch_cpu.so')
        if os.path.exists(lib):
            ctypes.CDLL(lib, mode=os.RTLD_LAZY | os.RTLD_DEEPBIND)
"), silent = TRUE)
  invisible()
}

#' Keep large arrays' memory in R's heap (Linux, opt-in)
#'
#' Every [func_eval()] and [func_grad()] result is a new R array. With glibc's
#' default settings a large new R vector mostly lands on fresh pages (R's
#' garbage collector frees in bulk and glibc then returns the heap top to the
#' system), so each call pays a page fault per 4 KB of result: for a 4 MB
#' result ~1000 faults, 1-5 ms on a virtual machine, which Python does not
#' pay. `tune_allocator()` makes glibc serve blocks up to `mmap_threshold`
#' bytes from the heap and keep up to `trim_threshold` bytes of free heap
#' instead of returning them. It changes how the whole R session gives
#' memory back to the system, so cntkr never does it by itself; the same
#' settings can be given before R starts, as the environment variables
#' `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_`.
#'
#' The other cost of many large results is R's garbage collector: R's vector
#' heap starts at a few MB, so with MB-sized results R collects every call or
#' two. Starting R with a larger initial vector heap, e.g. the environment
#' variable `R_VSIZE=512M` (see [base::Memory]), makes collections rare. The
#' benchmark's `R_tuned` column (`docs/benchmarks.md`) uses both settings.
#'
#' @param mmap_threshold Bytes; blocks up to this size come from the heap.
#'   At most 32 MiB (glibc's limit).
#' @param trim_threshold Bytes of free memory at the top of the heap that
#'   glibc keeps rather than returns to the system.
#' @return `TRUE` when glibc took both settings, `FALSE` on other systems
#'   (invisibly).
#' @examples
#' \dontrun{
#' tune_allocator()  # 32 MiB, 128 MiB
#' }
#' @export
tune_allocator <- function(mmap_threshold = 32 * 1024^2, trim_threshold = 128 * 1024^2) {
  mmap_threshold <- as_integer(mmap_threshold, "mmap_threshold", minimum = 0)
  trim_threshold <- as_integer(trim_threshold, "trim_threshold", minimum = 0)
  if (mmap_threshold > 32 * 1024^2) {
    value_error("`mmap_threshold` must be at most 32 MiB (33554432 bytes, glibc's limit), not ",
                mmap_threshold, ".")
  }
  invisible(.Call(cntkr_tune_malloc, mmap_threshold, trim_threshold))
}

#' Is the Python side of cntkr available?
#'
#' Checks, without an error, whether the Python package `cntkr_py` (and so
#' PyTorch) can be imported by the Python that reticulate uses. Examples and
#' tests use it to skip cleanly when Python is missing.
#'
#' @return `TRUE` or `FALSE`.
#' @examples
#' is_cntkr_available()
#' @export
is_cntkr_available <- function() {
  isTRUE(tryCatch(reticulate::py_module_available("cntkr_py"), error = function(e) FALSE))
}

#' Install the Python side of cntkr
#'
#' Creates a Python virtual environment (by default `"r-cntkr"`) holding
#' `cntkr_py` and PyTorch, as `keras::install_keras()` does for keras.
#' cntkr finds it by itself when `RETICULATE_PYTHON` is unset. Restart R
#' after installing.
#'
#' @param envname Name of the virtual environment, `"r-cntkr"` by default.
#' @param python Path of the Python interpreter (>= 3.10) the environment is
#'   made from, or `NULL` to let reticulate choose one.
#' @param cntkr_py What pip installs for the Python package: a path to a cntkr
#'   checkout (the folder holding `pyproject.toml`) or a pip requirement.
#' @param torch The pip requirement for PyTorch, `"torch==2.13.0"`.
#' @param extra_packages Further pip requirements, a character vector, or
#'   `NULL`.
#' @param pip_options Further options for pip, e.g.
#'   `"--index-url=https://download.pytorch.org/whl/cpu"` for a CPU-only
#'   PyTorch, or `NULL`.
#'
#' @return The path of the environment's Python, invisibly.
#' @examples
#' \dontrun{
#' install_cntkr(cntkr_py = "~/src/cntkr")
#' }
#' @export
install_cntkr <- function(envname = "r-cntkr", python = NULL, cntkr_py = "cntkr_py",
                          torch = "torch==2.13.0", extra_packages = NULL,
                          pip_options = NULL) {
  envname <- as_name(envname)
  if (!nzchar(envname)) {
    value_error("`envname` must be a non-empty string.")
  }
  for (arg in c("cntkr_py", "torch")) {
    value <- get(arg)
    if (!is.character(value) || length(value) != 1 || is.na(value) || !nzchar(value)) {
      value_error("`", arg, "` must be a single non-empty string, not ", describe_value(value), ".")
    }
  }
  if (dir.exists(cntkr_py)) {
    cntkr_py <- normalizePath(cntkr_py)
  }
  if (!reticulate::virtualenv_exists(envname)) {
    reticulate::virtualenv_create(envname, python = python)
  }
  reticulate::virtualenv_install(
    envname,
    packages = c(torch, extra_packages, cntkr_py),
    pip_options = pip_options,
    ignore_installed = FALSE
  )
  message(
    "Installed cntkr_py and ", torch, " into the virtual environment '", envname, "'. ",
    "Restart R to use them."
  )
  invisible(reticulate::virtualenv_python(envname))
}
