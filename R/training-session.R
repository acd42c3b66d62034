# Training sessions (cntkr_py/train/training_session.py: CNTK 2.7's
# cntk.train.training_session) with CNTK-R's names and signatures:
# sess_training_session() (and TrainingSession()), train_on_session(),
# CheckpointConfig(), CrossValidationConfig(), TestConfig(),
# on_train_cross_validation_end(), sess_minibatch_size_schedule().
#
# Frequencies and counts are numbers of samples, as in CNTK-R.

# A count of samples (NULL passes; IO_INFINITELY_REPEAT or more: no limit).
as_nullable_count <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x)) NULL else as_sample_count(x, arg)
}

# A minibatch size: a whole number > 0 or a sess_minibatch_size_schedule().
as_minibatch_size <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) x else as_integer(x, arg, minimum = 1)
}

# {input: stream}: a dict() keyed by input Variables, or a list named by the
# inputs' names, of a reader's streams (reader$streams$features).
as_input_map <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x) || is_py(x)) {
    return(x)
  }
  if (!is.list(x) || length(x) == 0 || is.null(names(x)) || any(!nzchar(names(x))) ||
      !all(vapply(x, is_py, logical(1)))) {
    value_error("`", arg, "` must be a list of streams named by the inputs' names (e.g. ",
                "list(features = reader$streams$features)) or a dict() keyed by the inputs, not ",
                describe_value(x), ".")
  }
  with_python(reticulate::py_dict(as.list(names(x)), unname(x), convert = FALSE))
}

# A minibatch source, or a list of arrays (one per argument of the criterion,
# in order) that the session reads as a source.
as_minibatch_source <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is.null(x) || is_py(x)) {
    return(x)
  }
  if (is.list(x) && length(x) > 0) {
    return(tuple(lapply(unname(x), r_value)))
  }
  value_error("`", arg, "` must be a minibatch source (MinibatchSource(), ",
              "MinibatchSourceFromData()) or a list of arrays, one per input of the criterion, ",
              "not ", describe_value(x), ".")
}

as_callback <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.null(x) && !is.function(x)) {
    value_error("`", arg, "` must be a function(index, average_error, num_samples, ",
                "num_minibatches) or NULL, not ", describe_value(x), ".")
  }
  x
}

#' Checkpoint configuration
#'
#' How a training session ([sess_training_session()]) saves checkpoints
#' (as [save_trainer_checkpoint()] writes them, with the reader's position):
#' every `frequency` samples, and at the end of training.
#'
#' @section Shape:
#' Not applicable: a configuration holds no data.
#'
#' @param filename The checkpoint file's path (a string), or `NULL` for no
#'   checkpoints.
#' @param frequency The number of samples between checkpoints, or `NULL` for
#'   one checkpoint at the end of training.
#' @param restore Whether training starts from the checkpoint when the file
#'   exists (`TRUE`).
#' @param preserve_all Whether to keep every checkpoint, as `filename`
#'   followed by its index (`FALSE`: each overwrites `filename`).
#' @return A checkpoint configuration.
#' @examplesIf is_cntkr_available()
#' CheckpointConfig(file.path(tempdir(), "model.ckp"), frequency = 1000)
#' @export
CheckpointConfig <- function(filename, frequency = NULL, restore = TRUE, preserve_all = FALSE) {
  if (!is.null(filename)) {
    filename <- as_checkpoint_path(filename)
  }
  cntk_call("train.CheckpointConfig", filename,
            frequency = as_nullable_count(frequency, "frequency"),
            restore = as_flag(restore, "restore"), preserve_all = as_flag(preserve_all, "preserve_all"))
}

#' Cross-validation configuration
#'
#' How a training session ([sess_training_session()]) cross-validates: every
#' `frequency` samples (and at the end of training) it reads
#' `minibatch_source` to its end with [test_minibatch()], puts the source back
#' where it was, and calls `callback(index, average_error, num_samples,
#' num_minibatches)`; a callback returning `FALSE` stops training.
#'
#' @section Shape:
#' The source's streams have the shapes of the inputs they feed.
#'
#' @param minibatch_source The cross-validation data: a reader such as
#'   [MinibatchSource()] (read until it ends: give it `max_sweeps = 1`), a
#'   list of arrays (one per input of `criterion`, in order), or `NULL`
#'   (then only `callback` is called).
#' @param frequency The number of samples between cross validations, or
#'   `NULL` for one at the end of training.
#' @param minibatch_size The minibatch size (a whole number or
#'   [sess_minibatch_size_schedule()]).
#' @param callback A function `function(index, average_error, num_samples,
#'   num_minibatches)` returning `TRUE` to go on, or `NULL`.
#' @param max_samples The most samples to read in one cross validation, or
#'   `NULL` for all of them.
#' @param model_inputs_to_streams Which stream feeds which input (as in
#'   [sess_training_session()]), or `NULL` for the training session's.
#' @param criterion The criterion whose inputs a list of arrays feeds, in
#'   order (only with arrays).
#' @param source Deprecated: `minibatch_source`.
#' @return A cross-validation configuration.
#' @examplesIf is_cntkr_available()
#' X <- matrix(runif(20), 10, 2)
#' cv_source <- MinibatchSourceFromData(list(x = X), max_samples = 10)
#' CrossValidationConfig(cv_source, frequency = 100, minibatch_size = 5,
#'                       callback = function(index, average_error, num_samples, num_minibatches) TRUE)
#' @export
CrossValidationConfig <- function(minibatch_source = NULL, frequency = NULL, minibatch_size = 32,
                                  callback = NULL, max_samples = NULL, model_inputs_to_streams = NULL,
                                  criterion = NULL, source = NULL) {
  cntk_call("train.CrossValidationConfig",
            minibatch_source = as_minibatch_source(minibatch_source),
            frequency = as_nullable_count(frequency, "frequency"),
            minibatch_size = as_minibatch_size(minibatch_size),
            callback = as_callback(callback),
            max_samples = as_nullable_count(max_samples, "max_samples"),
            model_inputs_to_streams = as_input_map(model_inputs_to_streams),
            criterion = criterion, source = as_minibatch_source(source))
}

#' Test configuration
#'
#' The test a training session ([sess_training_session()]) runs when training
#' ends: `minibatch_source` read to its end with [test_minibatch()], then
#' [summarize_test_progress()].
#'
#' @section Shape:
#' The source's streams have the shapes of the inputs they feed.
#'
#' @param minibatch_source The test data: a reader such as [MinibatchSource()]
#'   (read until it ends: give it `max_sweeps = 1`), a list of arrays (one per
#'   input of `criterion`, in order), or `NULL` for no test.
#' @param minibatch_size The minibatch size (a whole number or
#'   [sess_minibatch_size_schedule()]).
#' @param model_inputs_to_streams Which stream feeds which input (as in
#'   [sess_training_session()]), or `NULL` for the training session's.
#' @param criterion The criterion whose inputs a list of arrays feeds, in
#'   order (only with arrays).
#' @param source Deprecated: `minibatch_source`.
#' @param mb_size Deprecated: `minibatch_size`.
#' @return A test configuration.
#' @examplesIf is_cntkr_available()
#' X <- matrix(runif(20), 10, 2)
#' TestConfig(MinibatchSourceFromData(list(x = X), max_samples = 10), minibatch_size = 5)
#' @export
TestConfig <- function(minibatch_source = NULL, minibatch_size = 32, model_inputs_to_streams = NULL,
                       criterion = NULL, source = NULL, mb_size = NULL) {
  cntk_call("train.TestConfig",
            minibatch_source = as_minibatch_source(minibatch_source),
            minibatch_size = as_minibatch_size(minibatch_size),
            model_inputs_to_streams = as_input_map(model_inputs_to_streams),
            criterion = criterion, source = as_minibatch_source(source),
            mb_size = if (is.null(mb_size)) NULL else as_minibatch_size(mb_size))
}

#' Training sessions
#'
#' A training session trains `trainer` on the minibatches of `mb_source`
#' until the source ends or `max_samples` samples were trained on;
#' `train_on_session()` runs it. Every `progress_frequency` samples it
#' summarizes the progress ([summarize_training_progress()]), and it saves
#' checkpoints, cross-validates and tests as the configurations say, in the
#' order and at the points CNTK 2.7 does (each also once more at the end of
#' training). With a [CheckpointConfig()] whose file exists, training goes on
#' from that checkpoint. `TrainingSession()` is the same with every argument
#' given; `on_train_cross_validation_end()` is what the session calls after a
#' cross validation (the callback's answer).
#'
#' @section Shape:
#' The source's streams have the shapes of the inputs they feed; a
#' 784-wide stream may feed an input of shape `c(1, 28, 28)`.
#'
#' @param trainer The [Trainer()].
#' @param mb_source The training data: a reader such as [MinibatchSource()],
#'   or a list of arrays, one per input of the Trainer's loss in the order of
#'   its inputs (read over and over).
#' @param mb_size The minibatch size: a whole number or a
#'   [sess_minibatch_size_schedule()].
#' @param model_inputs_to_streams Which stream feeds which input: a list named
#'   by the inputs' names (`list(features = reader$streams$features)`) or a
#'   [dict()] keyed by the inputs; `NULL` with a list of arrays.
#' @param progress_frequency The number of samples between progress
#'   summaries, or `NULL` for one at the end.
#' @param max_samples The most samples to train on, or `NULL` for no limit.
#' @param checkpoint_config A [CheckpointConfig()], or `NULL`.
#' @param cv_config A [CrossValidationConfig()], or `NULL`.
#' @param test_config A [TestConfig()], or `NULL`.
#' @param sess A training session.
#' @param device The device to train on, or `NULL` for the default device.
#' @param index,average_error,num_samples,num_minibatches A cross
#'   validation's index, average metric, number of samples and of minibatches.
#' @return `sess_training_session()`, `TrainingSession()`: a training session;
#'   `train_on_session()`: `NULL`, invisibly; `on_train_cross_validation_end()`:
#'   `TRUE` to go on training, `FALSE` to stop.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "x")
#' y <- op_input_variable(2, name = "y")
#' z <- Dense(2)(x)
#' trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
#'                    learner_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch"))))
#' source <- MinibatchSourceFromData(list(x = matrix(runif(40), 20, 2),
#'                                        y = diag(2)[sample(2, 20, replace = TRUE), ]))
#' session <- sess_training_session(trainer, source, 5,
#'                                  list(x = source$streams$x, y = source$streams$y),
#'                                  max_samples = 60)
#' train_on_session(session)
#' trainer$total_number_of_samples_seen
#' @name training_session
NULL

#' @rdname training_session
#' @export
sess_training_session <- function(trainer, mb_source, mb_size, model_inputs_to_streams,
                                  progress_frequency = NULL, max_samples = NULL,
                                  checkpoint_config = NULL, cv_config = NULL, test_config = NULL) {
  check_trainer(trainer)
  cntk_call("train.training_session", trainer, as_minibatch_source(mb_source),
            as_minibatch_size(mb_size, "mb_size"), as_input_map(model_inputs_to_streams),
            progress_frequency = as_nullable_count(progress_frequency, "progress_frequency"),
            max_samples = as_nullable_count(max_samples, "max_samples"),
            checkpoint_config = checkpoint_config, cv_config = cv_config, test_config = test_config)
}

#' @rdname training_session
#' @export
TrainingSession <- function(trainer, mb_source, mb_size, model_inputs_to_streams, max_samples,
                            progress_frequency, checkpoint_config, cv_config, test_config) {
  check_trainer(trainer)
  cntk_call("train.TrainingSession", trainer, as_minibatch_source(mb_source),
            as_minibatch_size(mb_size, "mb_size"), as_input_map(model_inputs_to_streams),
            as_nullable_count(max_samples, "max_samples"),
            as_nullable_count(progress_frequency, "progress_frequency"),
            checkpoint_config, cv_config, test_config)
}

#' @rdname training_session
#' @export
train_on_session <- function(sess, device = NULL) {
  check_py(sess, "sess", "a training session made by sess_training_session()")
  invisible(cntk_call("train.TrainingSession.train", sess, device = device))
}

#' @rdname training_session
#' @export
on_train_cross_validation_end <- function(sess, index, average_error, num_samples,
                                          num_minibatches) {
  check_py(sess, "sess", "a training session made by sess_training_session()")
  cntk_call("train.TrainingSession.on_cross_validation_end", sess,
            as_integer(index, "index", minimum = 0), as_number(average_error, "average_error"),
            as_integer(num_samples, "num_samples", minimum = 0),
            as_integer(num_minibatches, "num_minibatches", minimum = 0))
}

#' Minibatch size schedule
#'
#' A minibatch size for each point of training, counted in samples: one size
#' throughout, or a vector `c(s1, s2, ...)` giving `s1` for the first
#' `epoch_size` samples, `s2` for the next, and the last size thereafter; a
#' list may mix sizes and `c(count, size)` pairs (`size` for `count *
#' epoch_size` samples).
#'
#' @section Shape:
#' Not applicable: a schedule holds no data.
#'
#' @param schedule A whole number, a vector of them, or a list of numbers and
#'   `c(count, size)` pairs.
#' @param epoch_size The number of samples each entry counts for.
#' @return A minibatch size schedule (index it with `[[` by a sample count).
#' @examplesIf is_cntkr_available()
#' s <- sess_minibatch_size_schedule(c(32, 64), epoch_size = 1000)
#' @export
sess_minibatch_size_schedule <- function(schedule, epoch_size = 1) {
  size <- function(v) as_integer(v, "schedule", minimum = 1)
  if (is.list(schedule)) {
    schedule <- lapply(unname(schedule), function(entry) {
      if (length(entry) == 2) tuple(lapply(entry, size)) else size(entry)
    })
  } else if (is.numeric(schedule) && length(schedule) > 1) {
    schedule <- lapply(schedule, size)
  } else {
    schedule <- size(schedule)
  }
  cntk_call("train.minibatch_size_schedule", schedule,
            epoch_size = as_integer(epoch_size, "epoch_size", minimum = 1))
}
