# The Trainer (cntkr_py/train/trainer.py: CNTK 2.7's cntk.train.trainer) with
# CNTK-R's names and signatures: Trainer(), train_minibatch(), test_minibatch(),
# summarize_training_progress(), summarize_test_progress(),
# save_trainer_checkpoint(), restore_trainer_from_checkpoint(). The Trainer's
# properties are read with `$`: trainer$previous_minibatch_loss_average,
# trainer$previous_minibatch_evaluation_average,
# trainer$previous_minibatch_sample_count, trainer$total_number_of_samples_seen,
# trainer$model, trainer$loss_function, trainer$evaluation_function,
# trainer$parameter_learners.
#
# Minibatch values take func_eval()'s path exactly (function_arguments() here,
# the bridge's _feed() in Python): R arrays with the batch axis first, keyed by
# input Variable (dict()) or input name (a named list), or a reader's
# minibatch (next_minibatch(..., input_map = ...)) as it is.

check_trainer <- function(trainer) {
  check_py(trainer, "trainer", "a Trainer made by Trainer()")
}

#' Trainer
#'
#' Trains a model's Parameters: each [train_minibatch()] runs the model and
#' its criterion on a minibatch (one forward pass in training mode), takes the
#' gradient of the loss summed over the minibatch's samples, and lets the
#' learners update the Parameters they were given, as CNTK 2.7 does. The loss
#' and metric averages of the minibatch (from the forward pass before the
#' update) are then `trainer$previous_minibatch_loss_average` and
#' `trainer$previous_minibatch_evaluation_average`.
#'
#' Learners that do not cover every Parameter of the model print CNTK's note
#' (those Parameters are not learned); a Parameter given to two learners, or
#' one that is not part of the model, is an error.
#'
#' @section Shape:
#' The criterion's outputs have a value per sample (e.g. `c(1)` for
#' [loss_cross_entropy_with_softmax()]); their sums over the minibatch are the
#' loss and metric the Trainer reports (divided by the number of samples).
#'
#' @param model The model (a Function such as `z <- Dense(10)(x)`), or `NULL`.
#' @param criterion The loss Function, or `list(loss, metric)` (the metric,
#'   e.g. [classification_error()], is reported and used by
#'   [test_minibatch()]), or a Function combining the two.
#' @param parameter_learners A learner (e.g. [learner_sgd()]) or a list of
#'   learners, each with its own Parameters.
#' @param progress_writers A progress writer (e.g. [ProgressPrinter()]), a
#'   list of them, or `NULL`.
#' @return A Trainer (a cntkr object; its properties are read with `$`).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "x")
#' y <- op_input_variable(2, name = "y")
#' z <- Dense(2)(x)
#' learner <- learner_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch")))
#' trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
#'                    learner)
#' data <- list(x = matrix(runif(8), 4, 2), y = diag(2)[c(1, 2, 2, 1), ])
#' train_minibatch(trainer, data)
#' trainer$previous_minibatch_loss_average
#' @export
Trainer <- function(model, criterion, parameter_learners, progress_writers = NULL) {
  if (!is.null(model)) {
    check_py(model, "model", "a Function (the model) or NULL")
  }
  if (is.list(criterion) && !is_py(criterion)) {
    if (!length(criterion) %in% c(1, 2) || !all(vapply(criterion, is_py, logical(1)))) {
      value_error("`criterion` must be a loss Function or list(loss, metric) of Functions, not ",
                  describe_value(criterion), ".")
    }
    criterion <- unname(criterion)
  } else {
    check_py(criterion, "criterion", "a loss Function or list(loss, metric)")
  }
  if (is.list(parameter_learners) && !is_py(parameter_learners)) {
    parameter_learners <- unname(parameter_learners)
  }
  if (is.list(progress_writers) && !is_py(progress_writers)) {
    progress_writers <- unname(progress_writers)
  }
  cntk_call("Trainer", model, criterion, parameter_learners, progress_writers = progress_writers)
}

#' Train on a minibatch
#'
#' One training step of `trainer` on `data`: forward pass, gradients of the
#' loss summed over the samples, learners' updates. A minibatch that fails
#' (an unknown input, a value of the wrong shape) changes nothing.
#'
#' @section Shape:
#' Each input's value is an R array `c(batch, shape)` with the batch axis
#' first (for an input of shape `c(1, 28, 28)`, `dim = c(64, 1, 28, 28)`;
#' labels of 10 classes `c(64, 10)`), as [func_eval()] takes them. Every
#' input gets the same batch size, the number of samples of the minibatch.
#'
#' @param trainer The Trainer.
#' @param data The minibatch: a list named by the inputs' names
#'   (`list(features = X, labels = Y)`), a [dict()] keyed by the input
#'   Variables, an unnamed list in the order of the criterion's inputs, a
#'   single array when the criterion has a single input, or what
#'   [next_minibatch()] returns with an `input_map`. An empty minibatch (the
#'   end of a reader's data) trains nothing and returns `FALSE`.
#' @param outputs A list of outputs (Variables of the model or criterion) to
#'   return the values of, from the forward pass before the update, or `NULL`.
#' @param device The device to train on, or `NULL` for the default device.
#' @return `TRUE` when the learners updated the Parameters (`FALSE` once all
#'   of them stop); with `outputs`, a list of `updated` (that flag) and
#'   `outputs` (their values, as a list in the order of `outputs`).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 4, 4), name = "x")
#' y <- op_input_variable(3, name = "y")
#' z <- Dense(3)(Convolution2D(c(3, 3), 2, activation = op_relu, pad = TRUE)(x))
#' trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
#'                    learner_sgd(z$parameters, learning_rate_schedule(0.5, UnitType("sample"))))
#' X <- array(runif(8 * 16), c(8, 1, 4, 4))
#' Y <- diag(3)[sample(3, 8, replace = TRUE), ]
#' for (i in 1:5) train_minibatch(trainer, list(x = X, y = Y))
#' trainer$previous_minibatch_loss_average
#' trainer$total_number_of_samples_seen
#' @export
train_minibatch <- function(trainer, data, outputs = NULL, device = NULL) {
  check_trainer(trainer)
  result <- bridge_call(
    "train_minibatch", trainer, function_arguments(data, "data"),
    as_variable_list(outputs, "outputs"), device, "data"
  )
  if (is.null(outputs)) {
    return(result)
  }
  list(updated = result[[1]], outputs = result[[2]])
}

#' Test on a minibatch
#'
#' Evaluates the Trainer's metric (the criterion's second Function) on a
#' minibatch in inference mode ([BatchNormalization()] uses its running
#' statistics, [Dropout()] keeps everything) and returns its average over
#' the samples. Nothing is trained and no counter changes.
#'
#' @section Shape:
#' As in [train_minibatch()]: each input's value has the batch axis first.
#'
#' @param trainer The Trainer (made with a metric).
#' @param arguments The minibatch, as `data` in [train_minibatch()].
#' @param device The device to compute on, or `NULL` for the default device.
#' @return The metric's average over the minibatch's samples (a number).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "x")
#' y <- op_input_variable(2, name = "y")
#' z <- Dense(2)(x)
#' trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
#'                    learner_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch"))))
#' test_minibatch(trainer, list(x = matrix(runif(8), 4, 2), y = diag(2)[c(1, 2, 2, 1), ]))
#' @export
test_minibatch <- function(trainer, arguments, device = NULL) {
  check_trainer(trainer)
  bridge_call("test_minibatch", trainer, function_arguments(arguments, "arguments"), device,
              "arguments")
}

#' Summarize training and test progress
#'
#' `summarize_training_progress()` has each of the Trainer's progress writers
#' (e.g. [ProgressPrinter()]) write its summary of the training since the
#' last summary (the loss and metric averages over those samples) and start
#' a new one; `summarize_test_progress()` does the same for the minibatches
#' given to [test_minibatch()].
#'
#' @section Shape:
#' Not applicable: these functions take no data.
#'
#' @param trainer The Trainer.
#' @return `NULL`, invisibly.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "x")
#' y <- op_input_variable(2, name = "y")
#' z <- Dense(2)(x)
#' trainer <- Trainer(z, list(loss_cross_entropy_with_softmax(z, y), classification_error(z, y)),
#'                    learner_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch"))),
#'                    ProgressPrinter(tag = "Training"))
#' data <- list(x = matrix(runif(8), 4, 2), y = diag(2)[c(1, 2, 2, 1), ])
#' train_minibatch(trainer, data)
#' summarize_training_progress(trainer)
#' test_minibatch(trainer, data)
#' summarize_test_progress(trainer)
#' @name summarize_progress
NULL

#' @rdname summarize_progress
#' @export
summarize_training_progress <- function(trainer) {
  check_trainer(trainer)
  invisible(cntk_call("train.trainer.Trainer.summarize_training_progress", trainer))
}

#' @rdname summarize_progress
#' @export
summarize_test_progress <- function(trainer) {
  check_trainer(trainer)
  invisible(cntk_call("train.trainer.Trainer.summarize_test_progress", trainer))
}

#' Trainer checkpoints
#'
#' `save_trainer_checkpoint()` saves what training needs to go on later: the
#' model's Parameters (by their position in `model$parameters`), every
#' learner's state (momentum and other buffers, sample counts) and the
#' Trainer's counters, in one file of plain arrays and JSON (a NumPy `.npz`
#' archive; loading it never runs code). `restore_trainer_from_checkpoint()`
#' loads such a file into a Trainer of the same model and learners: training
#' then goes on exactly as if it had never stopped.
#'
#' @section Shape:
#' The Trainer restoring a checkpoint must have a model whose Parameters have
#' the saved shapes, in the same order, and as many learners.
#'
#' @param trainer The Trainer.
#' @param filename The checkpoint file's path.
#' @return `save_trainer_checkpoint()`: `NULL`, invisibly.
#'   `restore_trainer_from_checkpoint()`: the external state saved with the
#'   checkpoint (an empty list from R; a training session's reader position).
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, name = "x")
#' y <- op_input_variable(2, name = "y")
#' z <- Dense(2)(x)
#' trainer <- Trainer(z, loss_cross_entropy_with_softmax(z, y),
#'                    learner_momentum_sgd(z$parameters, learning_rate_schedule(0.1, UnitType("minibatch")),
#'                                         momentum_schedule(0.9)))
#' train_minibatch(trainer, list(x = matrix(runif(8), 4, 2), y = diag(2)[c(1, 2, 2, 1), ]))
#' path <- tempfile(fileext = ".ckp")
#' save_trainer_checkpoint(trainer, path)
#' restore_trainer_from_checkpoint(trainer, path)
#' trainer$total_number_of_samples_seen
#' @name trainer_checkpoint
NULL

#' @rdname trainer_checkpoint
#' @export
save_trainer_checkpoint <- function(trainer, filename) {
  check_trainer(trainer)
  invisible(cntk_call("train.trainer.Trainer.save_checkpoint", trainer,
                      as_checkpoint_path(filename)))
}

#' @rdname trainer_checkpoint
#' @export
restore_trainer_from_checkpoint <- function(trainer, filename) {
  check_trainer(trainer)
  cntk_call("train.trainer.Trainer.restore_from_checkpoint", trainer,
            as_checkpoint_path(filename))
}

# A checkpoint file's path: one string, ~ expanded.
as_checkpoint_path <- function(x, arg = "filename") {
  if (!is.character(x) || length(x) != 1 || is.na(x) || !nzchar(x)) {
    value_error("`", arg, "` must be a file path (a single string), not ", describe_value(x), ".")
  }
  path.expand(x)
}
