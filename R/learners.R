# Learners and their schedules (cntkr_py/learners: CNTK 2.7's cntk.learners),
# with CNTK-R's names and signatures: learner_sgd(), learner_momentum_sgd(),
# learner_nesterov(), learner_adagrad(), learner_adadelta(), learner_rmsprop(),
# learner_adam(), learner_fsadagrad(), universal_learner(), the schedules
# learning_rate_schedule(), momentum_schedule(),
# momentum_as_time_constant_schedule(), training_parameter_schedule(),
# UnitType(), and get_learning_rate(), reset_learning_rate(), update_learner().
#
# CNTK-R's defaults that called Python (np$inf, cntk$default_unit_gain_value())
# are written as their values (Inf, TRUE); learner_adadelta()'s clipping
# threshold default, 0 in CNTK-R (which would clip every gradient to 0), is
# Inf as in CNTK 2.7 (tools/make_r_signatures.R records both as fixes).

# ---------------------------------------------------------------- argument helpers

# A learner's parameters: a list of Parameters (e.g. `model$parameters`) or
# one Parameter -> a Python list.
as_parameters <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) {
    return(list(x))
  }
  if (!is.list(x) || length(x) == 0 || !all(vapply(x, is_py, logical(1)))) {
    value_error("`", arg, "` must be a list of Parameters (such as `model$parameters`), not ",
                describe_value(x), ".")
  }
  unname(x)
}

# A schedule's values: a number, a numeric vector (one value per epoch_size
# samples), a list of numbers and c(count, value) pairs, or a schedule made by
# learning_rate_schedule() and the like (a Python object, passed as it is).
as_schedule <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) {
    return(x)
  }
  bad <- function() {
    value_error("`", arg, "` must be a number, a numeric vector, a list of numbers and ",
                "c(count, value) pairs, or a schedule such as learning_rate_schedule(), not ",
                describe_value(x), ".")
  }
  number <- function(v) {
    if (!is.numeric(v) || length(v) != 1 || is.na(v)) bad()
    as.double(v)
  }
  if (is.numeric(x) && is.null(dim(x))) {
    if (length(x) == 1) {
      return(number(x))
    }
    if (length(x) == 0 || anyNA(x)) bad()
    return(as.list(as.double(x)))
  }
  if (!is.list(x) || length(x) == 0) bad()
  lapply(x, function(entry) {
    if (is.numeric(entry) && length(entry) == 1) {
      return(number(entry))
    }
    if (is.numeric(entry) && length(entry) == 2 && !anyNA(entry)) {
      return(list(as_integer(entry[[1]], paste0("the count of an entry of `", arg, "`"), minimum = 0),
                  as.double(entry[[2]])))
    }
    bad()
  })
}

# A real number >= 0 or Inf (a clipping threshold) -> Python float.
as_threshold <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x <= 0) {
    value_error("`", arg, "` must be a single number > 0 (Inf: no clipping), not ", describe_value(x), ".")
  }
  as.double(x)
}

# UnitType("sample") / UnitType("minibatch"), or the strings themselves.
as_unit <- function(x, arg = deparse(substitute(x))) {
  force(arg)
  if (is_py(x)) {
    return(x)
  }
  if (!is.character(x) || length(x) != 1 || !x %in% c("sample", "minibatch")) {
    value_error("`", arg, "` must be UnitType(\"sample\") or UnitType(\"minibatch\"), not ",
                describe_value(x), ".")
  }
  UnitType(x)
}

# The options every learner takes, checked, as keyword arguments for Python.
learner_options <- function(l1_regularization_weight, l2_regularization_weight,
                            gaussian_noise_injection_std_dev,
                            gradient_clipping_threshold_per_sample,
                            gradient_clipping_with_truncation) {
  list(
    l1_regularization_weight = as_number(l1_regularization_weight, "l1_regularization_weight"),
    l2_regularization_weight = as_number(l2_regularization_weight, "l2_regularization_weight"),
    gaussian_noise_injection_std_dev = as_number(gaussian_noise_injection_std_dev,
                                                 "gaussian_noise_injection_std_dev"),
    gradient_clipping_threshold_per_sample = as_threshold(gradient_clipping_threshold_per_sample,
                                                          "gradient_clipping_threshold_per_sample"),
    gradient_clipping_with_truncation = as_flag(gradient_clipping_with_truncation,
                                                "gradient_clipping_with_truncation")
  )
}

# cntkr's additions to CNTK-R's learners (CNTK 2.7's arguments CNTK-R's wrappers lacked), checked,
# as keyword arguments for Python.
learner_additions <- function(use_mean_gradient, minibatch_size, epoch_size) {
  list(use_mean_gradient = as_flag(use_mean_gradient, "use_mean_gradient"),
       minibatch_size = as_nullable_integer(minibatch_size, "minibatch_size", minimum = 0),
       epoch_size = as_nullable_integer(epoch_size, "epoch_size", minimum = 0))
}

# Gradients for update_learner(): a dict() keyed by Parameters (or their
# names), a list in the order of learner$parameters, or one array.
as_gradient_values <- function(x) {
  if (is_py(x)) {
    return(x)
  }
  if (is.list(x)) {
    if (!is.null(names(x)) && all(nzchar(names(x)))) {
      return(reticulate::py_dict(names(x), lapply(unname(x), r_value), convert = FALSE))
    }
    return(tuple(lapply(unname(x), r_value)))
  }
  if (!is.numeric(x) && !is.logical(x)) {
    value_error("`gradient_values` must be a dict(), a list of arrays or an array, not ",
                describe_value(x), ".")
  }
  r_value(x)
}

# ---------------------------------------------------------------- schedules

#' Learning rate and momentum schedules
#'
#' A schedule gives a training parameter's value at each point of training,
#' counted in samples: a single number holds throughout; a vector
#' `c(v1, v2, ...)` gives `v1` for the first `epoch_size` samples, `v2` for
#' the next, and the last value thereafter; a list may mix numbers and
#' `c(count, value)` pairs (`value` for `count * epoch_size` samples).
#' Without `epoch_size`, a vector or list counts data sweeps instead (as
#' CNTK's `FULL_DATA_SWEEP`). Learners read a schedule at the number of
#' samples seen before each minibatch.
#'
#' `learning_rate_schedule(lr, UnitType("sample"))` applies `lr` to the
#' gradient summed over the minibatch (per-sample rate);
#' `UnitType("minibatch")` applies it to the minibatch's mean gradient.
#' CNTK 2.7's forms, which CNTK-R lacked, are here too:
#' `learning_parameter_schedule(lr, minibatch_size = n)` is a rate meant for
#' minibatches of `n` samples (`lr / n` per sample on the summed gradient;
#' without `minibatch_size`, `lr` applies to each minibatch's mean gradient),
#' `learning_parameter_schedule_per_sample(lr)` a per-sample rate and
#' `momentum_schedule_per_sample(m)` a per-sample momentum (`m^mb` for a
#' minibatch of `mb` samples).
#' `momentum_schedule(m)` is a momentum per minibatch as given;
#' `momentum_as_time_constant_schedule(T)` is the per-sample momentum
#' `exp(-1 / T)` (so `exp(-mb / T)` for a minibatch of `mb` samples, `0` for
#' `T = 0`). `training_parameter_schedule()` is `learning_rate_schedule()`
#' for any parameter. `UnitType()` gives the units.
#'
#' @param lr,momentum,schedule The values: a number, a numeric vector, or a
#'   list of numbers and `c(count, value)` pairs (see Details). Time constants
#'   for `momentum_as_time_constant_schedule()` (numbers `>= 0`).
#' @param minibatch_size The minibatch size the values are meant for (a
#'   whole number), or `NULL` for none.
#' @param unit `UnitType("sample")` or `UnitType("minibatch")` (or the
#'   strings `"sample"`, `"minibatch"`).
#' @param epoch_size The number of samples each value (or count) stands for,
#'   a whole number; `NULL` counts data sweeps instead.
#' @param value `"sample"` or `"minibatch"`.
#' @return A schedule (a Python object); `schedule$minibatch_size` is its
#'   reference minibatch size (`0`: none) and `schedule[i]` in Python its value
#'   after `i` samples. `UnitType()` returns the unit.
#' @section Shape:
#' Not applicable: schedules hold numbers, not tensors.
#' @examplesIf is_cntkr_available()
#' lr <- learning_rate_schedule(c(0.1, 0.01), UnitType("sample"), epoch_size = 1000)
#' m <- momentum_as_time_constant_schedule(1100)
#' p <- op_parameter(c(2, 2), init = 1)
#' learner <- learner_momentum_sgd(list(p), lr, m)
#' get_learning_rate(learner)
#' @name schedules
NULL

#' @rdname schedules
#' @export
learning_rate_schedule <- function(lr, unit, epoch_size = NULL) {
  cntk_call("learners.learning_rate_schedule", as_schedule(lr), as_unit(unit),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
momentum_schedule <- function(momentum, epoch_size = NULL) {
  cntk_call("learners.momentum_schedule", as_schedule(momentum),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
momentum_as_time_constant_schedule <- function(momentum, epoch_size = NULL) {
  cntk_call("learners.momentum_as_time_constant_schedule", as_schedule(momentum),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
training_parameter_schedule <- function(schedule, unit, epoch_size = NULL) {
  cntk_call("learners.training_parameter_schedule", as_schedule(schedule), as_unit(unit),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
learning_parameter_schedule <- function(schedule, minibatch_size = NULL, epoch_size = NULL) {
  cntk_call("learners.learning_parameter_schedule", as_schedule(schedule),
            minibatch_size = as_nullable_integer(minibatch_size, minimum = 0),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
learning_parameter_schedule_per_sample <- function(schedule, epoch_size = NULL) {
  cntk_call("learners.learning_parameter_schedule_per_sample", as_schedule(schedule),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
momentum_schedule_per_sample <- function(momentum, epoch_size = NULL) {
  cntk_call("learners.momentum_schedule_per_sample", as_schedule(momentum),
            epoch_size = as_nullable_integer(epoch_size, minimum = 0))
}

#' @rdname schedules
#' @export
UnitType <- function(value) {
  if (!is.character(value) || length(value) != 1 || !value %in% c("sample", "minibatch")) {
    value_error("`value` must be \"sample\" or \"minibatch\", not ", describe_value(value), ".")
  }
  with_python(python_function(paste0("learners.UnitType.", value)))
}

# ---------------------------------------------------------------- learners

#' SGD learners: plain, momentum and Nesterov
#'
#' Learners update `parameters` from the gradients of a loss summed over a
#' minibatch, in place, as CNTK 2.7's learners do (give them to [Trainer()],
#' or call [update_learner()]). `learner_sgd()`: `w <- w - lr * g`.
#' `learner_momentum_sgd()`: `v <- m * v + (1 - m) * lr * g; w <- w - v`
#' (unit gain; `unit_gain = FALSE`: `v <- m * v + lr * g`).
#' `learner_nesterov()`: Nesterov's accelerated momentum,
#' `w <- w - m * v - (1 - m) * lr * g` with `v` as above.
#'
#' A number `lr` is a rate per minibatch (applied to the mean gradient);
#' `learning_rate_schedule(lr, UnitType("sample"))` a rate per sample. A
#' number `momentum` is per minibatch; `momentum_as_time_constant_schedule()`
#' gives a per-sample momentum that decays with the minibatch size. Before the
#' update the gradient is clipped (`gradient_clipping_threshold_per_sample`
#' times the minibatch size, elementwise with truncation, else the whole
#' parameter's gradient scaled to that norm) and L2 adds
#' `l2_regularization_weight * mb * w`; after it, Gaussian noise of the given
#' standard deviation is added and L1 shrinks each weight towards 0 by
#' `lr * l1_regularization_weight * mb` (a proximal step).
#'
#' @param parameters The parameters to learn: a list of Parameters, e.g.
#'   `model$parameters`.
#' @param lr The learning rate: a number, a vector or list of values (see
#'   [learning_rate_schedule()]), or a schedule.
#' @param momentum The momentum: a number in `[0, 1]`, a vector or list of
#'   values, or a schedule ([momentum_schedule()],
#'   [momentum_as_time_constant_schedule()]).
#' @param unit_gain `TRUE` (the default) to scale the new gradient by
#'   `1 - momentum`, `FALSE` for classic momentum.
#' @param l1_regularization_weight L1 weight per sample, a number `>= 0`.
#' @param l2_regularization_weight L2 weight per sample, a number `>= 0`.
#' @param gaussian_noise_injection_std_dev Standard deviation of the noise
#'   added to the parameters after each update, a number `>= 0`.
#' @param gradient_clipping_threshold_per_sample Clipping threshold per
#'   sample, a number `> 0`; `Inf` for none.
#' @param gradient_clipping_with_truncation `TRUE` to clip elementwise,
#'   `FALSE` to scale the gradient to the threshold's norm.
#' @param use_mean_gradient `TRUE` to work on the mean gradient (CNTK's
#'   compatible mode), `FALSE` (the default) on the summed one. A cntkr
#'   addition (CNTK 2.7's argument) for every learner but
#'   `learner_momentum_sgd()` and `learner_adadelta()`, whose CNTK-R versions
#'   had it.
#' @param minibatch_size The reference minibatch size of rates and momentums
#'   given as plain numbers, vectors or lists: `NULL` (the default) keeps
#'   CNTK-R's meaning (per minibatch, or per sample where the schedule says
#'   so), a whole number `> 0` makes them rates for minibatches of that many
#'   samples (scaled to the actual minibatch size), `0` per minibatch whatever
#'   its size. A cntkr addition (CNTK 2.7's argument; CNTK-R lacked it).
#' @param epoch_size For rates and momentums given as vectors or lists: the
#'   number of samples each value lasts, a whole number `> 0`; `NULL` (the
#'   default) counts them in sweeps as the schedules do. A cntkr addition
#'   (CNTK 2.7's argument; CNTK-R lacked it).
#' @return A learner (a Python object).
#' @section Shape:
#' Each gradient has its parameter's shape.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(c(2, 3), init = 1)
#' learner <- learner_momentum_sgd(list(p), lr = 0.1, momentum = 0.9)
#' update_learner(learner, list(array(1, c(2, 3))), 4)
#' p$value
#' @name sgd_learners
NULL

#' @rdname sgd_learners
#' @export
learner_sgd <- function(parameters, lr,
                        l1_regularization_weight = 0,
                        l2_regularization_weight = 0,
                        gaussian_noise_injection_std_dev = 0,
                        gradient_clipping_threshold_per_sample = Inf,
                        gradient_clipping_with_truncation = TRUE,
                        use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.sgd", as_parameters(parameters), as_schedule(lr)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname sgd_learners
#' @export
learner_momentum_sgd <- function(parameters, lr, momentum,
                                 unit_gain = TRUE,
                                 l1_regularization_weight = 0,
                                 l2_regularization_weight = 0,
                                 gaussian_noise_injection_std_dev = 0,
                                 gradient_clipping_threshold_per_sample = Inf,
                                 gradient_clipping_with_truncation = TRUE,
                                 use_mean_gradient = FALSE,
                                 minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.momentum_sgd", as_parameters(parameters), as_schedule(lr),
                            as_schedule(momentum), unit_gain = as_flag(unit_gain)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname sgd_learners
#' @export
learner_nesterov <- function(parameters, lr, momentum,
                             unit_gain = TRUE,
                             l1_regularization_weight = 0,
                             l2_regularization_weight = 0,
                             gaussian_noise_injection_std_dev = 0,
                             gradient_clipping_threshold_per_sample = Inf,
                             gradient_clipping_with_truncation = TRUE,
                             use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.nesterov", as_parameters(parameters), as_schedule(lr),
                            as_schedule(momentum), unit_gain = as_flag(unit_gain)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' Adaptive learners: AdaGrad, AdaDelta, RMSProp, Adam, FSAdaGrad
#'
#' CNTK 2.7's adaptive learners, with its exact update rules.
#' `learner_adagrad()`: `a <- a + g^2; w <- w - lr * g / sqrt(a)` (with
#' `need_ave_multiplier`, the rate is divided by the mean of `1 / sqrt(a)`
#' over the parameter). `learner_adadelta()`: Zeiler's AdaDelta with decay
#' `rho` and `epsilon` inside both square roots. `learner_rmsprop()`: RMSProp
#' with CNTK's per-element step sizes, grown by `inc` (up to `max`) while the
#' gradient keeps its sign, else shrunk by `dec` (down to `min`), over the
#' root of the mean square (decay `gamma`). `learner_adam()`: Adam with bias
#' correction (`adamax = TRUE`: Adamax); `learner_fsadagrad()`: CNTK's
#' AdaGrad with momentum. The options are those of [learner_sgd()].
#'
#' @inheritParams sgd_learners
#' @param need_ave_multiplier `TRUE` to divide the rate by the mean
#'   normalisation factor of each parameter (CNTK's default), `FALSE` not to.
#' @param rho AdaDelta's decay, a number in `[0, 1]` (CNTK's default: 0.95).
#' @param epsilon Added inside the square roots (AdaDelta; CNTK's default
#'   1e-8) or to the root of the variance (Adam, default `1e-8`), a number
#'   `>= 0`.
#' @param gamma,inc,dec,max,min RMSProp's decay of the mean square (in
#'   `(0, 1)`), step-size growth (`> 1`) and shrink (in `(0, 1)`) factors,
#'   and the step sizes' bounds (`0 < min < max`).
#' @param variance_momentum The decay of Adam's and FSAdaGrad's variance
#'   estimate: a schedule or number (default: the per-sample time constant
#'   720000, CNTK's 0.9999986111120757 per sample).
#' @param adamax `TRUE` for Adamax (the infinity norm), `FALSE` for Adam.
#' @return A learner (a Python object).
#' @section Shape:
#' Each gradient has its parameter's shape.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(3, init = 1)
#' learner <- learner_adam(list(p), lr = 0.01, momentum = 0.9)
#' update_learner(learner, list(c(1, -1, 0.5)), 8)
#' p$value
#' @name adaptive_learners
NULL

#' @rdname adaptive_learners
#' @export
learner_adagrad <- function(parameters, lr, need_ave_multiplier = TRUE,
                            l1_regularization_weight = 0,
                            l2_regularization_weight = 0,
                            gaussian_noise_injection_std_dev = 0,
                            gradient_clipping_threshold_per_sample = Inf,
                            gradient_clipping_with_truncation = TRUE,
                            use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.adagrad", as_parameters(parameters), as_schedule(lr),
                            need_ave_multiplier = as_flag(need_ave_multiplier)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname adaptive_learners
#' @export
learner_adadelta <- function(parameters, lr, rho, epsilon,
                             l1_regularization_weight = 0,
                             l2_regularization_weight = 0,
                             gaussian_noise_injection_std_dev = 0,
                             gradient_clipping_threshold_per_sample = Inf,
                             gradient_clipping_with_truncation = TRUE,
                             use_mean_gradient = FALSE,
                             minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.adadelta", as_parameters(parameters), as_schedule(lr),
                            as_number(rho), as_number(epsilon)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname adaptive_learners
#' @export
learner_rmsprop <- function(parameters, lr, gamma, inc, dec, max, min,
                            need_ave_multiplier = TRUE,
                            l1_regularization_weight = 0,
                            l2_regularization_weight = 0,
                            gaussian_noise_injection_std_dev = 0,
                            gradient_clipping_threshold_per_sample = Inf,
                            gradient_clipping_with_truncation = TRUE,
                            use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.rmsprop", as_parameters(parameters), as_schedule(lr),
                            as_number(gamma), as_number(inc), as_number(dec), as_number(max),
                            as_number(min), need_ave_multiplier = as_flag(need_ave_multiplier)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname adaptive_learners
#' @export
learner_adam <- function(parameters, lr, momentum,
                         unit_gain = TRUE,
                         variance_momentum = momentum_as_time_constant_schedule(720000),
                         l1_regularization_weight = 0,
                         l2_regularization_weight = 0,
                         gaussian_noise_injection_std_dev = 0,
                         gradient_clipping_threshold_per_sample = Inf,
                         gradient_clipping_with_truncation = TRUE,
                         epsilon = 1e-8, adamax = FALSE,
                         use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.adam", as_parameters(parameters), as_schedule(lr),
                            as_schedule(momentum), unit_gain = as_flag(unit_gain),
                            variance_momentum = as_schedule(variance_momentum)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       list(epsilon = as_number(epsilon), adamax = as_flag(adamax)),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' @rdname adaptive_learners
#' @export
learner_fsadagrad <- function(parameters, lr, momentum,
                              unit_gain = TRUE,
                              variance_momentum = momentum_as_time_constant_schedule(720000),
                              l1_regularization_weight = 0,
                              l2_regularization_weight = 0,
                              gaussian_noise_injection_std_dev = 0,
                              gradient_clipping_threshold_per_sample = Inf,
                              gradient_clipping_with_truncation = TRUE,
                              use_mean_gradient = FALSE, minibatch_size = NULL, epoch_size = NULL) {
  do.call(cntk_call, c(list("learners.fsadagrad", as_parameters(parameters), as_schedule(lr),
                            as_schedule(momentum), unit_gain = as_flag(unit_gain),
                            variance_momentum = as_schedule(variance_momentum)),
                       learner_options(l1_regularization_weight, l2_regularization_weight,
                                       gaussian_noise_injection_std_dev,
                                       gradient_clipping_threshold_per_sample,
                                       gradient_clipping_with_truncation),
                       learner_additions(use_mean_gradient, minibatch_size, epoch_size)))
}

#' A learner with an update written as a graph
#'
#' `update_func(parameters, gradients)` is called once, with the parameters
#' and one Constant per parameter that holds its gradient (summed over the
#' minibatch) at each update, and returns a Function built of [op_assign()]
#' nodes that write the new values (combine several with [op_combine()]).
#' Each update runs that Function; every node reads the values from before
#' the update.
#'
#' @param update_func An R function of two arguments, `(parameters,
#'   gradients)`, returning a Function.
#' @param parameters The parameters to learn, a list of Parameters.
#' @return A learner (a Python object).
#' @section Shape:
#' Each gradient Constant has its parameter's shape.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(2, init = 1)
#' sgd_step <- function(ps, gs) {
#'   op_combine(lapply(seq_along(ps), function(i) op_assign(ps[[i]], ps[[i]] - 0.1 * gs[[i]])))
#' }
#' learner <- universal_learner(sgd_step, list(p))
#' update_learner(learner, list(c(1, 2)), 1)
#' p$value
#' @export
universal_learner <- function(update_func, parameters) {
  if (!is.function(update_func) ||
      !(length(formals(update_func)) == 2 || "..." %in% names(formals(update_func)))) {
    value_error("`update_func` must be a function of two arguments (parameters, gradients), not ",
                describe_value(update_func), ".")
  }
  cntk_call("learners._r_universal", update_func, as_parameters(parameters))
}

# ---------------------------------------------------------------- using a learner

#' Use a learner: update, learning rate
#'
#' `update_learner()` updates the learner's parameters from gradients summed
#' over a minibatch of `training_sample_count` samples (what [Trainer()] does
#' after each minibatch) and returns `TRUE`, or `FALSE` when the learning rate
#' is 0 (then nothing changes). `get_learning_rate()` is the rate the next
#' update uses (the schedule's value at the samples seen so far).
#' `reset_learning_rate()` replaces the schedule, counted from now.
#' `Learner()` is the base of all learners: it has no update rule of its own,
#' so make learners with [learner_sgd()] and the like. `UserLearner()` is
#' CNTK's base for learners written in Python by overriding `update()`; R
#' code cannot override it, so `update_user_learner()` on one made in R
#' signals an error (use [universal_learner()] to write an update with cntkr
#' ops instead).
#'
#' @param learner A learner, e.g. from [learner_sgd()].
#' @param gradient_values The gradients, each of its parameter's shape: a
#'   list of arrays in the order of `learner$parameters`, a [dict()] keyed by
#'   the Parameters (or their names), or one array for a learner of one
#'   parameter.
#' @param training_sample_count The number of samples in the minibatch, a
#'   whole number `> 0`.
#' @param learning_rate The new learning rate: a schedule, a number or a
#'   vector of values (see [learning_rate_schedule()]).
#' @param parameters,learning_rate_schedule,lr_schedule The parameters (a
#'   list of Parameters) and the learning rate schedule of a base learner.
#' @param as_matrix `TRUE` to hand gradients to a Python `update()` as arrays.
#' @param sweep_end `TRUE` when the minibatch ends a sweep over the data.
#' @param is_sweep_end `TRUE` when the minibatch ends a sweep over the data
#'   (a schedule given as a vector or list without `epoch_size` moves to its
#'   next value after it), `FALSE` (the default) otherwise. A cntkr addition
#'   (CNTK 2.7's argument of `Learner.update()`; CNTK-R lacked it).
#' @return `update_learner()`: `TRUE` or `FALSE`. `get_learning_rate()`: a
#'   number. `reset_learning_rate()`: the learner, invisibly. `Learner()`,
#'   `UserLearner()`: a learner.
#' @section Shape:
#' Each gradient has its parameter's shape.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(c(2, 2), init = 0)
#' learner <- learner_sgd(list(p), learning_rate_schedule(0.5, UnitType("sample")))
#' update_learner(learner, list(matrix(1, 2, 2)), 2)
#' p$value
#' reset_learning_rate(learner, learning_rate_schedule(0.1, UnitType("sample")))
#' get_learning_rate(learner)
#' @name learner_use
NULL

#' @rdname learner_use
#' @export
update_learner <- function(learner, gradient_values, training_sample_count, is_sweep_end = FALSE) {
  cntk_call("learners._r_update", check_py(learner, "learner", "a learner"),
            as_gradient_values(gradient_values),
            as_integer(training_sample_count, minimum = 1), as_flag(is_sweep_end))
}

#' @rdname learner_use
#' @export
get_learning_rate <- function(learner) {
  with_python(check_py(learner, "learner", "a learner")$learning_rate())
}

#' @rdname learner_use
#' @export
reset_learning_rate <- function(learner, learning_rate) {
  learning_rate <- cntk_call("learners._r_schedule", as_schedule(learning_rate), "learning_rate")
  with_python(check_py(learner, "learner", "a learner")$reset_learning_rate(learning_rate))
  invisible(learner)
}

#' @rdname learner_use
#' @export
Learner <- function(parameters, learning_rate_schedule) {
  cntk_call("learners.Learner", as_parameters(parameters),
            cntk_call("learners._r_schedule", as_schedule(learning_rate_schedule), "learning_rate_schedule"))
}

#' @rdname learner_use
#' @export
UserLearner <- function(parameters, lr_schedule, as_matrix = TRUE) {
  cntk_call("learners.UserLearner", as_parameters(parameters), as_schedule(lr_schedule),
            as_numpy = as_flag(as_matrix))
}

#' @rdname learner_use
#' @export
update_user_learner <- function(learner, gradient_values, training_sample_count, sweep_end) {
  cntk_call("learners._r_update", check_py(learner, "learner", "a learner"),
            as_gradient_values(gradient_values),
            as_integer(training_sample_count, minimum = 1), as_flag(sweep_end))
}
