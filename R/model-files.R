# Model files: func_save, func_load, func_restore (cntkr_py/model_file.py),
# with CNTK-R's signatures. The format (docs/model-format.md) is the same from
# R and Python: a model saved in one loads in the other.

#' Save, load and restore models
#'
#' `func_save()` writes a Function's graph and the values of its parameters
#' and constants to a file; `func_load()` reads one back as a new Function
#' (new Parameters holding the saved values); `func_restore()` copies a
#' file's values into an existing Function with the same parameters, in
#' place. The file is cntkr's model format (a zip archive of `graph.json` and
#' `values.npz`, described in `docs/model-format.md` of cntkr's sources); the same
#' file loads in Python with `cntkr_py.load_model()`. Loading never runs code
#' stored in the file: each node is rebuilt from cntkr's own ops, and a file
#' that is not a cntkr model (or of an unknown format version, or naming an
#' unknown op) is refused with an error naming the file. CNTK 2.7's own
#' (protobuf) model files are not read.
#'
#' A loaded model computes the same outputs and gradients as the saved one
#' (bit for bit on the same device) and keeps the names, so layers and
#' parameters are reached as before (`model$first$W`); parameters shared
#' between layers stay shared, and [BatchNormalization()]'s running
#' statistics are saved with their current values.
#'
#' @section Shape:
#' A loaded Function has the saved one's `shape`, `arguments` (names, shapes,
#' dtypes) and `parameters` (in the same order); every shape is inferred anew
#' from the saved inputs.
#'
#' @param func The Function to save or restore into, e.g. `layer(x)`.
#' @param filename Path of the model file (a single string; `~` is expanded).
#' @param model The model to load: a path (a single string), or the file's
#'   contents as a raw vector (`readBin(path, "raw", file.size(path))`).
#' @param device The device to place the parameters on (see
#'   [cpu_descriptor()]), or `NULL` for the default device.
#' @return `func_save()`: `NULL`, invisibly. `func_load()`: the Function.
#'   `func_restore()`: `func`, invisibly.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3, name = "x")
#' model <- Sequential(list(Dense(4, activation = op_relu, name = "first"), Dense(2)))(x)
#' path <- tempfile(fileext = ".cntkr")
#' func_save(model, path)
#' loaded <- func_load(path)
#' xv <- matrix(1:6 / 6, 2, 3)
#' identical(func_eval(loaded, xv), func_eval(model, xv))
#' dim(loaded$first$W$value)
#' func_restore(model, path)
#' unlink(path)
#' @name model_files
NULL

# A file path argument: one string, `~` expanded.
as_model_path <- function(x, arg) {
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    value_error("`", arg, "` must be a file path (a single string), not ", describe_value(x), ".")
  }
  path.expand(x)
}

#' @rdname model_files
#' @export
func_save <- function(func, filename) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  invisible(cntk_call("model_file.save_model", func, as_model_path(filename, "filename")))
}

#' @rdname model_files
#' @export
func_load <- function(model, device = NULL) {
  if (!is.raw(model)) {
    model <- as_model_path(model, "model")
  }
  cntk_call("model_file.load_model", model, device = device)
}

#' @rdname model_files
#' @export
func_restore <- function(func, filename) {
  check_py(func, "func", "a cntkr Function such as layer(x)")
  invisible(cntk_call("model_file.restore_model", func, as_model_path(filename, "filename")))
}
