#' Print training progress
#'
#' `ProgressPrinter()` makes a progress writer for `Trainer()` (its
#' `progress_writers`) that prints what CNTK 2.7 prints, character for
#' character: a line every `freq` minibatches
#' (` Minibatch[   1-  10]: loss = 0.693147 * 640, metric = 45.31% * 640;`),
#' a table after minibatches 1, 3, 7, 15, ... with `freq = 0`, and a summary
#' line per epoch (`Finished Epoch[1 of 5]: ...`) when the trainer's
#' progress is summarized (`summarize_training_progress()`); evaluation lines
#' likewise for `test_minibatch()` and `summarize_test_progress()`.
#'
#' In an interactive R session the printer also shows a live progress bar
#' (samples seen in the epoch, the running loss and metric; the previous
#' epoch's size as its total), drawn by Python's `tqdm` on the console that
#' reticulate gives Python, which redraws one line in place in R's terminal
#' console and in RStudio; the CNTK lines print above it. Scripts
#' (`Rscript`, knitr) get the plain text only.
#'
#' `printer_log()` prints a message, `printer_write()` a `key: value` line,
#' `printer_end_progress_print()` the end of training
#' (`CNTKCommandTrainEnd: train`, then `msg` when logging to a file).
#'
#' @param freq How often to print: `NULL` (only the epoch summaries), `0`
#'   (after minibatches 1, 3, 7, 15, ...) or a whole number `n` (every `n`
#'   minibatches).
#' @param first Also print after each of the first `first` minibatches, a
#'   whole number.
#' @param tag A string shown in the summaries as `[tag] `.
#' @param log_to_file A file name: the text goes there (the console gets one
#'   line saying so), or `NULL` for the console.
#' @param rank With `log_to_file`, a whole number appended to the file name
#'   (`"log.txt"` and `rank = 1` write `log.txtrank1`), or `NULL`.
#' @param gen_heartbeat `TRUE` prints `PROGRESS: 0.00%` at most every 10
#'   seconds of training.
#' @param num_epochs The number of epochs, shown as `Epoch[k of N]`, or
#'   `NULL`.
#' @param test_freq,test_first As `freq` and `first`, for evaluation
#'   minibatches.
#' @param metric_is_pct `TRUE` prints the metric as a percentage.
#' @param distributed_freq,distributed_first Accepted for CNTK-R's signature
#'   (distributed training is not supported): `NULL` or a whole number.
#' @param printer A printer from `ProgressPrinter()`.
#' @param msg,message A string to print.
#' @param key,value The key (a string) and value (a number or string) of a
#'   `key: value` line.
#' @return `ProgressPrinter()`: the printer. The others: `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' printer <- ProgressPrinter(freq = 2, tag = "Training", num_epochs = 1)
#' printer_write(printer, "Learning rate per minibatch", 0.1)
#' printer_log(printer, "a message in the log")
#' # trainer <- Trainer(z, list(loss, metric), learners, progress_writers = printer)
#' printer_end_progress_print(printer)
#' @name ProgressPrinter
NULL

#' @rdname ProgressPrinter
#' @export
ProgressPrinter <- function(freq = NULL, first = 0, tag = '', log_to_file = NULL, rank = NULL,
                            gen_heartbeat = FALSE, num_epochs = NULL, test_freq = NULL, test_first = 0,
                            metric_is_pct = TRUE, distributed_freq = NULL, distributed_first = 0) {
  cntk_call("logging.ProgressPrinter",
            freq = as_nullable_integer(freq, minimum = 0), first = as_integer(first, minimum = 0),
            tag = as_name(tag), log_to_file = as_nullable_path(log_to_file),
            rank = as_nullable_integer(rank, minimum = 0), gen_heartbeat = as_flag(gen_heartbeat),
            num_epochs = as_nullable_integer(num_epochs, minimum = 0),
            test_freq = as_nullable_integer(test_freq, minimum = 0),
            test_first = as_integer(test_first, minimum = 0), metric_is_pct = as_flag(metric_is_pct),
            distributed_freq = as_nullable_integer(distributed_freq, minimum = 0),
            distributed_first = as_integer(distributed_first, minimum = 0),
            progress_bar = interactive())
}

#' @rdname ProgressPrinter
#' @export
printer_end_progress_print <- function(printer, msg = '') {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "end_progress_print", msg = as_name(msg)))
}

#' @rdname ProgressPrinter
#' @export
printer_log <- function(printer, message) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "log", as_name(message)))
}

#' @rdname ProgressPrinter
#' @export
printer_write <- function(printer, key, value) {
  check_writer(printer, "ProgressPrinter")
  if (!(is.numeric(value) || is.character(value)) || length(value) != 1 || is.na(value)) {
    value_error("`value` must be a single number or string, not ", describe_value(value), ".")
  }
  invisible(writer_call(printer, "write", as_name(key), value))
}

#' Write training progress for TensorBoard
#'
#' `TensorBoardProgressWriter()` makes a progress writer for `Trainer()` that
#' writes an event file in `log_dir` which TensorBoard reads
#' (`tensorboard --logdir <log_dir>`), with CNTK 2.7's scalars:
#' `minibatch/avg_loss` and `minibatch/avg_metric` every `freq` minibatches
#' (step: the minibatch count), `summary/avg_loss` and `summary/avg_metric`
#' per training summary (step: the summary's number) and
#' `minibatch/test_avg_metric` per test summary. `tensorboard_write_value()`
#' records any scalar, `tensorboard_flush()` writes pending records,
#' `tensorboard_close()` closes the file (the writer cannot be used
#' afterwards).
#'
#' @param freq `NULL` (summaries only) or a whole number `>= 1`: write every
#'   `freq` minibatches.
#' @param log_dir The directory of the event file, a string.
#' @param rank `NULL` or a whole number; only rank `NULL` or `0` writes.
#' @param model Accepted for CNTK-R's signature: the model's graph is not
#'   written.
#' @param tensorboard_writer A writer from `TensorBoardProgressWriter()`.
#' @param name The scalar's name (its TensorBoard tag), a string.
#' @param value The scalar's value, a number.
#' @param step The step (x axis) of the value, a whole number.
#' @return `TensorBoardProgressWriter()`: the writer. The others: `NULL`,
#'   invisibly.
#' @examplesIf is_cntkr_available()
#' dir <- tempfile()
#' writer <- TensorBoardProgressWriter(freq = 1, log_dir = dir)
#' tensorboard_write_value(writer, "learning_rate", 0.1, 1)
#' tensorboard_close(writer)
#' list.files(dir)
#' @name TensorBoardProgressWriter
NULL

#' @rdname TensorBoardProgressWriter
#' @export
TensorBoardProgressWriter <- function(freq = NULL, log_dir = '.', rank = NULL, model = NULL) {
  cntk_call("logging.TensorBoardProgressWriter", freq = as_nullable_integer(freq, minimum = 1),
            log_dir = as_nullable_path(log_dir, allow_null = FALSE),
            rank = as_nullable_integer(rank, minimum = 0), model = model)
}

#' @rdname TensorBoardProgressWriter
#' @export
tensorboard_close <- function(tensorboard_writer) {
  check_writer(tensorboard_writer, "TensorBoardProgressWriter")
  invisible(writer_call(tensorboard_writer, "close"))
}

#' @rdname TensorBoardProgressWriter
#' @export
tensorboard_flush <- function(tensorboard_writer) {
  check_writer(tensorboard_writer, "TensorBoardProgressWriter")
  invisible(writer_call(tensorboard_writer, "flush"))
}

#' @rdname TensorBoardProgressWriter
#' @export
tensorboard_write_value <- function(tensorboard_writer, name, value, step) {
  check_writer(tensorboard_writer, "TensorBoardProgressWriter")
  invisible(writer_call(tensorboard_writer, "write_value", as_name(name), as_number(value), as_integer(step)))
}

#' Call an R function after each training summary
#'
#' A progress writer for `Trainer()` that calls
#' `callback(epoch_index, epoch_loss, epoch_metric, epoch_samples)` at each
#' `summarize_training_progress()`: the 0-based summary index, the sums of
#' the loss and of the metric over the epoch, and its number of samples.
#'
#' @param epoch_size A whole number, accepted for CNTK-R's signature (the
#'   callback runs at each summary).
#' @param callback An R function of four arguments.
#' @return The writer.
#' @examplesIf is_cntkr_available()
#' seen <- list()
#' writer <- TrainingSummaryProgressCallback(100, function(i, loss, metric, n) {
#'   seen[[length(seen) + 1]] <<- c(i, loss / n)
#' })
#' @export
TrainingSummaryProgressCallback <- function(epoch_size, callback) {
  if (!is.function(callback)) {
    value_error("`callback` must be a function, not ", describe_value(callback), ".")
  }
  cntk_call("logging.TrainingSummaryProgressCallback", as_integer(epoch_size, minimum = 0), callback)
}

#' Print the number of parameters of a model
#'
#' Prints `Training N parameters in K parameter tensors.` as CNTK 2.7 does
#' (`so far unspecified number of` while a dimension is still inferred); with
#' `trace_level > 0` also each parameter's shape (last layer first, CNTK's
#' order).
#'
#' @param model A Function or layer.
#' @param trace_level A whole number `>= 0`.
#' @return `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' z <- Dense(3)(op_input_variable(4))
#' log_number_of_parameters(z, trace_level = 1)
#' @export
log_number_of_parameters <- function(model, trace_level = 0) {
  invisible(cntk_call("logging.log_number_of_parameters", check_py(model, "model", "a Function or layer"),
                      trace_level = as_integer(trace_level, minimum = 0)))
}

#' Logging verbosity
#'
#' `TraceLevel("Warning")` is one of CNTK's levels (`"Error"`, `"Warning"`,
#' `"Info"`); `set_logging_trace_level()` sets the global level (a level or
#' its number 0, 1, 2), `get_logging_trace_level()` returns it as a number
#' (1, Warning, by default, as in CNTK 2.7). cntkr prints the same at every
#' level.
#'
#' @param level A level's name, a string.
#' @param value A level from `TraceLevel()` or its number.
#' @return `TraceLevel()`: the level; `get_logging_trace_level()`: a number;
#'   `set_logging_trace_level()`: `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' set_logging_trace_level(TraceLevel("Info"))
#' get_logging_trace_level()
#' set_logging_trace_level(1)
#' @name TraceLevel
NULL

#' @rdname TraceLevel
#' @export
TraceLevel <- function(level) {
  levels <- c("Error", "Warning", "Info")
  if (!is.character(level) || length(level) != 1 || !level %in% levels) {
    value_error("`level` must be one of \"Error\", \"Warning\", \"Info\", not ", describe_value(level), ".")
  }
  with_python(reticulate::py_get_attr(python_function("logging.TraceLevel"), level))
}

#' @rdname TraceLevel
#' @export
get_logging_trace_level <- function() {
  cntk_call("logging.get_trace_level")
}

#' @rdname TraceLevel
#' @export
set_logging_trace_level <- function(value) {
  if (!is_py(value)) {
    value <- as_integer(value, minimum = 0)
  }
  invisible(cntk_call("logging.set_trace_level", value))
}

# NULL -> None (unless `allow_null = FALSE`); a single string -> the expanded path.
as_nullable_path <- function(x, arg = deparse(substitute(x)), allow_null = TRUE) {
  force(arg)
  if (is.null(x) && allow_null) {
    return(NULL)
  }
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    value_error("`", arg, "` must be a file or directory name (a single string), not ", describe_value(x), ".")
  }
  path.expand(x)
}

# Calls the writer's Python method `method`.
writer_call <- function(x, method, ...) {
  with_python(py_to_r(reticulate::py_call(reticulate::py_get_attr(x, method), ...)))
}

# `x` must be a cntkr progress writer of class `what` (ProgressPrinter, ...).
check_writer <- function(x, what) {
  arg <- deparse(substitute(x))
  if (!is_py(x) || !inherits(x, paste0("cntkr_py.logging.progress_print.", what))) {
    value_error("`", arg, "` must be a ", what, ", not ", describe_value(x), ".")
  }
  check_alive(x)
  invisible(x)
}

#' Write one progress line directly
#'
#' The hooks a `ProgressPrinter()` runs when a window or a summary is due,
#' called by hand: each writes the line CNTK 2.7 writes for those numbers.
#' Windows are `c(first, last)` pairs (samples, updates, and the loss and
#' metric *sums* accumulated at those points); summaries take totals.
#' `printer_on_training_update_end()` is the hook run after every training
#' minibatch (the heartbeat).
#'
#' @param printer A printer from `ProgressPrinter()`.
#' @param samples For updates: `c(first, last)`, the samples counted at the
#'   window's start and end; for summaries: the number of samples.
#' @param updates For updates: `c(first, last)`, the minibatch counts at the
#'   window's start and end (or `NULL` on the `freq = 0` schedule); for
#'   summaries: the number of minibatches.
#' @param summaries The summary's number (1 for the first epoch).
#' @param aggregate_loss For updates: `c(first, last)`, the loss sums at the
#'   window's start and end; for summaries: the loss sum.
#' @param aggregate_metric As `aggregate_loss`, for the metric; `NULL` writes
#'   no metric.
#' @param elapsed_milliseconds The summary's duration, a number of
#'   milliseconds.
#' @return `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' printer <- ProgressPrinter(freq = 2)
#' printer_on_write_training_update(printer, c(0, 64), c(0, 2), c(0, 44.4), c(0, 16))
#' printer_on_write_training_summary(printer, 640, 10, 1, 400, 120, 1500)
#' printer_on_write_test_summary(printer, 100, 2, 1, 12, 10)
#' @name printer_hooks
NULL

#' @rdname printer_hooks
#' @export
printer_on_training_update_end <- function(printer) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "on_training_update_end"))
}

#' @rdname printer_hooks
#' @export
printer_on_write_training_update <- function(printer, samples, updates, aggregate_loss, aggregate_metric) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "on_write_training_update", as_count_pair(samples), as_count_pair(updates, TRUE),
                        as_sum_pair(aggregate_loss), as_sum_pair(aggregate_metric, TRUE)))
}

#' @rdname printer_hooks
#' @export
printer_on_write_test_update <- function(printer, samples, updates, aggregate_metric) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "on_write_test_update", as_count_pair(samples), as_count_pair(updates, TRUE),
                        as_sum_pair(aggregate_metric, TRUE)))
}

#' @rdname printer_hooks
#' @export
printer_on_write_distributed_sync_update <- function(printer, samples, updates, aggregate_metric) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "on_write_distributed_sync_update", as_count_pair(samples),
                        as_count_pair(updates), as_sum_pair(aggregate_metric, TRUE)))
}

#' @rdname printer_hooks
#' @export
printer_on_write_training_summary <- function(printer, samples, updates, summaries, aggregate_loss,
                                              aggregate_metric, elapsed_milliseconds) {
  check_writer(printer, "ProgressPrinter")
  metric <- if (is.null(aggregate_metric)) NULL else as_number(aggregate_metric)
  invisible(writer_call(printer, "on_write_training_summary", as_integer(samples, minimum = 0),
                        as_integer(updates, minimum = 0), as_integer(summaries, minimum = 0),
                        as_number(aggregate_loss), metric, as_number(elapsed_milliseconds)))
}

#' @rdname printer_hooks
#' @export
printer_on_write_test_summary <- function(printer, samples, updates, summaries, aggregate_metric,
                                          elapsed_milliseconds) {
  check_writer(printer, "ProgressPrinter")
  invisible(writer_call(printer, "on_write_test_summary", as_integer(samples, minimum = 0),
                        as_integer(updates, minimum = 0), as_integer(summaries, minimum = 0),
                        as_number(aggregate_metric), as_number(elapsed_milliseconds)))
}

# c(first, last) counts -> a Python tuple of ints (NULL passes when `allow_null`).
as_count_pair <- function(x, allow_null = FALSE, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x) && allow_null) {
    return(NULL)
  }
  check_integers(x, arg, minimum = 0, lengths = 2)
  tuple(as.list(as.integer(x)))
}

# c(first, last) sums -> a Python tuple of floats (NULL passes when `allow_null`).
as_sum_pair <- function(x, allow_null = FALSE, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x) && allow_null) {
    return(NULL)
  }
  if (!is.numeric(x) || length(x) != 2 || any(!is.finite(x))) {
    value_error("`", arg, "` must be c(first, last), two finite numbers, not ", describe_value(x), ".")
  }
  tuple(as.list(as.double(x)))
}
