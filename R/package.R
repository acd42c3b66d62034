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
# never fails. When torch was imported before (reticulate::import("torch")
# before any cntkr call), it is too late: if torch's `sgemm_` then binds to
# another library's, a warning of class `cntkr_blas_warning` says so. It also
# sets OMP_WAIT_POLICY=PASSIVE unless set (torch's threads sleep rather than
# spin while waiting: cntkr_py's docstring has the numbers), before torch loads.
torch_own_blas <- function() {
  found <- try(reticulate::py_run_string(local = TRUE, "
import os, sys
slow_blas = False
if 'torch' not in sys.modules:
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # as cntkr_py does: see its docstring
if 'torch' not in sys.modules and hasattr(os, 'RTLD_DEEPBIND'):
    import ctypes, importlib.util
    spec = importlib.util.find_spec('torch')
    if spec is not None and spec.submodule_search_locations:
        lib = os.path.join(list(spec.submodule_search_locations)[0], 'lib', 'libtorch_cpu.so')
        if os.path.exists(lib):
            ctypes.CDLL(lib, mode=os.RTLD_LAZY | os.RTLD_DEEPBIND)
            sys._cntkr_torch_deepbind = True
elif hasattr(os, 'RTLD_DEEPBIND') and not getattr(sys, '_cntkr_torch_deepbind', False):
    # torch came first: its sgemm_ calls go to the process's first sgemm_
    import ctypes
    lib = os.path.join(os.path.dirname(sys.modules['torch'].__file__), 'lib', 'libtorch_cpu.so')
    try:
        own = ctypes.cast(ctypes.CDLL(lib).sgemm_, ctypes.c_void_p).value
        first = ctypes.cast(ctypes.CDLL(None).sgemm_, ctypes.c_void_p).value
        slow_blas = own != first
    except (OSError, AttributeError):
        pass
"), silent = TRUE)
  if (!inherits(found, "try-error") && isTRUE(found$slow_blas)) {
    warning(structure(
      class = c("cntkr_blas_warning", "warning", "condition"),
      list(message = paste0(
        "torch was imported before cntkr in this R session, and its matrix products use R's ",
        "BLAS instead of its own (many times slower). Restart R and use cntkr (or load it) ",
        "before importing torch."
      ), call = NULL)
    ))
  }
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
  # reticulate's check imports the module: torch's BLAS set-up comes first (torch_own_blas())
  isTRUE(tryCatch({
    torch_own_blas()
    reticulate::py_module_available("cntkr_py")
  }, error = function(e) FALSE))
}

#' Install the Python side of cntkr
#'
#' Creates a Python virtual environment (by default `"r-cntkr"`) and installs
#' into it PyTorch, NumPy and `cntkr_py`, the Python package this R package
#' carries (its sources are in the installed package, see
#' `system.file("python", package = "cntkr")`), as `keras::install_keras()`
#' does for keras. No index has to offer `cntkr_py`: pip builds it from those
#' sources (it compiles one small C file, so a C compiler is needed, as for
#' the R package itself). cntkr finds the `"r-cntkr"` environment by itself
#' when `RETICULATE_PYTHON` is unset; restart R after installing.
#'
#' The environment is made with Python's `venv` module in reticulate's folder
#' of virtual environments (`RETICULATE_VIRTUALENV_ROOT`, else `WORKON_HOME`,
#' else `~/.virtualenvs`). pip is used as configured on the machine (its
#' index, `find-links`, cache and constraints); `pip_options` adds to that.
#'
#' On Linux without an NVIDIA GPU, PyTorch's CPU build is installed: when
#' pip's own choice for `torch` is not a `+cpu` build, PyTorch's CPU wheel
#' index is added for this installation, so that no CUDA wheels (several GB)
#' are downloaded. With a GPU, or on macOS and Windows, pip's choice stays.
#'
#' @param envname Name of the virtual environment, `"r-cntkr"` by default,
#'   or the path of a folder to make it in.
#' @param python Path of the Python interpreter (>= 3.10) the environment is
#'   made from, or `NULL`: the first Python >= 3.10 among `python3` on the
#'   `PATH` and those that [reticulate::virtualenv_starter()] finds.
#' @param cntkr_py What pip installs for the Python package: `NULL` (the
#'   sources this R package carries), the path of a folder holding
#'   `pyproject.toml`, `setup.py` and `cntkr_py/` (a cntkr checkout), or a pip
#'   requirement string.
#' @param torch The pip requirement for PyTorch, `"torch==2.13.0"`.
#' @param extra_packages Further pip requirements, a character vector, or
#'   `NULL`.
#' @param pip_options Further options for pip, a character vector, e.g.
#'   `"--no-index"` to install only from `find-links` folders, or `NULL`.
#' @param new_env `TRUE` to remove an existing environment of that name first
#'   (the default for `"r-cntkr"`), `FALSE` to install into it.
#'
#' @return The path of the environment's Python, invisibly.
#'
#' @section Errors:
#' Errors are classed conditions (all of class `"cntkr_error"`): a bad
#' argument is a `"value_error"`; no Python >= 3.10, or one that cannot make
#' a virtual environment, is a `"python_missing_error"`; a failed pip
#' installation is a `"pip_error"`, whose message ends with pip's last lines
#' and the path of its whole log.
#' @examples
#' \dontrun{
#' install_cntkr()                        # from the sources in this R package
#' install_cntkr(python = "/usr/bin/python3.11")
#' install_cntkr(cntkr_py = "~/src/cntkr") # from a checkout
#' }
#' @export
install_cntkr <- function(envname = "r-cntkr", python = NULL, cntkr_py = NULL,
                          torch = "torch==2.13.0", extra_packages = NULL,
                          pip_options = NULL, new_env = identical(envname, "r-cntkr")) {
  envname <- as_name(envname)
  if (!nzchar(envname)) {
    value_error("`envname` must be a non-empty string.")
  }
  for (arg in c("torch", if (!is.null(cntkr_py)) "cntkr_py", if (!is.null(python)) "python")) {
    value <- get(arg)
    if (!is.character(value) || length(value) != 1 || is.na(value) || !nzchar(value)) {
      value_error("`", arg, "` must be a single non-empty string, not ", describe_value(value), ".")
    }
  }
  for (arg in c("extra_packages", "pip_options")) {
    value <- get(arg)
    if (!is.null(value) && (!is.character(value) || anyNA(value))) {
      value_error("`", arg, "` must be a character vector or NULL, not ", describe_value(value), ".")
    }
  }
  new_env <- as_flag(new_env)
  if (is.null(cntkr_py)) {
    cntkr_py <- system.file("python", package = "cntkr")
    if (!file.exists(file.path(cntkr_py, "pyproject.toml"))) {
      value_error(
        "This installation of the cntkr R package carries no Python sources ",
        "(no python/pyproject.toml in ", find.package("cntkr"), "). ",
        "Install cntkr from its source tarball (R CMD build, then R CMD INSTALL), ",
        "or give `cntkr_py` the path of a cntkr checkout."
      )
    }
  }
  if (dir.exists(cntkr_py)) {
    cntkr_py <- stage_python_sources(cntkr_py)
    on.exit(unlink(dirname(cntkr_py), recursive = TRUE), add = TRUE)
  }

  python <- find_python(python)
  env <- virtualenv_dir(envname)
  make_virtualenv(env, python, new_env)
  env_python <- reticulate::virtualenv_python(env)

  torch_options <- cpu_torch_options(env_python, torch, pip_options)
  packages <- c(torch, "numpy", extra_packages, cntkr_py)
  message("Installing ", paste(c(torch, "numpy", extra_packages, "cntkr_py"), collapse = ", "),
          " into ", env, " (pip; this takes a minute or two) ...")
  run_pip(env_python, c("install", pip_options, torch_options, packages))
  version <- system2(env_python, c("-c", shQuote(
    "import cntkr_py, torch; print(torch.__version__)"
  )), stdout = TRUE, stderr = TRUE)
  status <- attr(version, "status")
  if (!is.null(status) && status != 0) {
    stop(cntkr_condition(paste0(
      "pip installed the packages, but 'import cntkr_py' fails in ", env_python, ":\n",
      paste(utils::tail(version, 20), collapse = "\n")
    ), "pip_error"))
  }
  message(
    "Installed cntkr_py and torch ", utils::tail(version, 1), " into the virtual environment ",
    env, ". Restart R to use them."
  )
  invisible(env_python)
}

# Copies a cntkr_py source tree (pyproject.toml, setup.py, cntkr_py/) into a
# temporary folder and returns its path: pip builds in the source folder
# (egg-info, build/), which must not be the installed R package (it may be
# read-only) or a developer's checkout. Compiled files and caches stay behind.
stage_python_sources <- function(from) {
  from <- normalizePath(from)
  needed <- c("pyproject.toml", "setup.py", "cntkr_py")
  missing <- needed[!file.exists(file.path(from, needed))]
  if (length(missing) > 0) {
    value_error("`cntkr_py` must be a folder holding pyproject.toml, setup.py and cntkr_py/; ",
                from, " has no ", paste(missing, collapse = ", "), ".")
  }
  to <- file.path(tempfile("cntkr-py-"), "cntkr_py_src")
  dir.create(to, recursive = TRUE)
  files <- c(needed[1:2], file.path("cntkr_py", list.files(file.path(from, "cntkr_py"), recursive = TRUE)))
  files <- files[!grepl("(__pycache__|[.](so|pyd|pyc|dll|o))$|__pycache__/", files)]
  for (dir in unique(dirname(files))) {
    dir.create(file.path(to, dir), recursive = TRUE, showWarnings = FALSE)
  }
  ok <- file.copy(file.path(from, files), file.path(to, files))
  if (!all(ok)) {
    stop(cntkr_condition(paste0("Could not copy ", from, " to ", to, ".")))
  }
  to
}

python_missing <- function(...) {
  stop(cntkr_condition(paste0(...), "python_missing_error"))
}

# The version of a Python interpreter as numeric_version, or NULL when it does not run.
python_version <- function(python) {
  out <- suppressWarnings(tryCatch(
    system2(python, c("-c", shQuote("import sys; print('%d.%d.%d' % sys.version_info[:3])")),
            stdout = TRUE, stderr = FALSE),
    error = function(e) character()
  ))
  out <- utils::tail(out[grepl("^[0-9]+[.][0-9]+[.][0-9]+$", out)], 1)
  if (length(out) == 1) numeric_version(out) else NULL
}

# The Python the environment is made from: `python`, or the first Python >= 3.10
# among python3 on the PATH and reticulate's virtualenv starters. (python3 first:
# reticulate lists the newest first, which may be a Python that pip has no
# local PyTorch wheel for.)
find_python <- function(python) {
  if (!is.null(python)) {
    python <- path.expand(python)
    version <- python_version(python)
    if (is.null(version)) {
      python_missing("`python` is ", describe_value(python), ", which does not run as a Python ",
                     "interpreter. Give the path of a Python >= 3.10.")
    }
    if (version < "3.10") {
      python_missing("`python` is Python ", version, " (", python, "); cntkr needs Python >= 3.10.")
    }
    return(python)
  }
  candidates <- Sys.which("python3")
  starters <- tryCatch(reticulate::virtualenv_starter(">=3.10", all = TRUE)$path,
                       error = function(e) character())
  for (candidate in c(candidates[nzchar(candidates)], starters)) {
    version <- python_version(candidate)
    if (!is.null(version) && version >= "3.10") {
      return(unname(candidate))
    }
  }
  python_missing(
    "No Python >= 3.10 was found (looked for python3 on the PATH and where ",
    "reticulate::virtualenv_starter() looks). Install one (e.g. Debian's python3 and ",
    "python3-venv), then call install_cntkr(python = \"/path/to/python3\")."
  )
}

# The folder of the environment `envname` (a name or a path), as reticulate finds it, but
# without resolving symbolic links: a link (tools/setup_r.sh links a checkout's .venv as
# "r-cntkr") must be seen as one, never removed through.
virtualenv_dir <- function(envname) {
  if (grepl("[/\\\\]", envname)) {
    return(path.expand(envname))
  }
  root <- Sys.getenv("RETICULATE_VIRTUALENV_ROOT", NA_character_)
  if (is.na(root)) {
    root <- Sys.getenv("WORKON_HOME", unset = "~/.virtualenvs")
  }
  file.path(path.expand(root), envname)
}

# Makes a fresh virtual environment at `env` (or keeps an existing one when `new_env` is FALSE).
make_virtualenv <- function(env, python, new_env) {
  exists <- file.exists(file.path(env, "pyvenv.cfg"))
  link <- Sys.readlink(env)  # "" for a plain folder, NA when there is nothing
  if (!is.na(link) && nzchar(link)) {
    value_error(
      env, " is a link to ", link, " (a developer's environment, as tools/setup_r.sh ",
      "makes for a cntkr checkout); install_cntkr() leaves it alone. Remove the link, or give ",
      "`envname` another name."
    )
  }
  if (exists && !new_env) {
    return(invisible(env))
  }
  if (exists) {
    message("Removing the existing virtual environment ", env, " ...")
    unlink(env, recursive = TRUE)
  } else if (file.exists(env) && length(list.files(env, all.files = TRUE, no.. = TRUE)) > 0) {
    value_error(env, " exists and is not a virtual environment; give `envname` another name.")
  }
  dir.create(dirname(env), recursive = TRUE, showWarnings = FALSE)
  message("Creating the virtual environment ", env, " from ", python, " ...")
  out <- suppressWarnings(system2(python, c("-m", "venv", shQuote(env)), stdout = TRUE, stderr = TRUE))
  if (!is.null(attr(out, "status")) && attr(out, "status") != 0) {
    python_missing(
      python, " could not make a virtual environment at ", env, ":\n",
      paste(utils::tail(out, 10), collapse = "\n"),
      "\nOn Debian and Ubuntu install the python3-venv package, or give `python` another Python."
    )
  }
  invisible(env)
}

# Runs `python -m pip <args>`; a failure is a "pip_error" with pip's last lines and its log.
run_pip <- function(python, args) {
  log <- tempfile("cntkr-pip-", fileext = ".log")
  status <- suppressWarnings(system2(
    python, c("-m", "pip", "--disable-pip-version-check", shQuote(args)),
    stdout = log, stderr = log
  ))
  if (!identical(as.integer(status), 0L)) {
    lines <- if (file.exists(log)) readLines(log, warn = FALSE) else character()
    stop(cntkr_condition(paste0(
      "pip failed (exit status ", status, ") running: pip ", paste(args, collapse = " "), "\n",
      paste(utils::tail(lines, 15), collapse = "\n"),
      "\nThe whole log is ", log, ". Check that pip can reach a package index (or a ",
      "find-links folder) offering ", args[grepl("^torch", args)][1], " for this Python, and ",
      "that a C compiler is installed; pip's own options go in `pip_options`."
    ), "pip_error"))
  }
  invisible(log)
}

# pip options that make `torch` PyTorch's CPU build on Linux without an NVIDIA GPU: none
# when pip already picks a "+cpu" build (asked with a dry run: nothing is downloaded but
# metadata), else PyTorch's CPU wheel index as an extra index (its "+cpu" versions sort
# above PyPI's CUDA builds of the same version).
cpu_torch_options <- function(python, torch, pip_options) {
  if (Sys.info()[["sysname"]] != "Linux" || nzchar(Sys.which("nvidia-smi")) ||
      file.exists("/proc/driver/nvidia/version")) {
    return(NULL)
  }
  report <- tempfile("cntkr-torch-", fileext = ".json")
  on.exit(unlink(report), add = TRUE)
  run_pip(python, c("install", "--dry-run", "--no-deps", "--quiet", "--report", report,
                    pip_options, torch))
  version <- system2(python, c("-c", shQuote(paste0(
    "import json, sys; r = json.load(open(sys.argv[1])); ",
    "print(r['install'][0]['metadata']['version'] if r['install'] else '')"
  )), shQuote(report)), stdout = TRUE, stderr = FALSE)
  version <- utils::tail(version, 1)
  if (length(version) == 1 && grepl("[+]cpu", version)) {
    return(NULL)
  }
  message("No NVIDIA GPU here: installing PyTorch's CPU build (from its CPU wheel index).")
  "--extra-index-url=https://download.pytorch.org/whl/cpu"
}
